package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chorus test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

// TestImportOverTLS runs import against a real redis-server that speaks
// only TLS and wants a password, through a rediss:// URL; a wrong password
// fails without the password reaching the output.
func TestImportOverTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := exec.Command("redis-server", "--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", cert, "--tls-auth-clients", "no",
		"--requirepass", "s3cret-pw", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := srv.Start(); err != nil {
		t.Fatalf("start redis-server with TLS: %v (apt-get install -y redis-server)", err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pem)
	for i := 0; ; i++ {
		c, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{RootCAs: pool})
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatalf("redis-server never answered TLS: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	posts := `{"platform":"x","id":"1","text":"I love it","created_at":"2024-07-31T19:00:00Z"}` + "\n" +
		`{"platform":"weibo","id":"1","text":"太暖了[心]","created_at":"2024-07-31T19:01:00Z"}` + "\n"
	env := []string{"SSL_CERT_FILE=" + cert} // Go reads the trusted roots from here
	url := "rediss://:s3cret-pw@127.0.0.1:" + strconv.Itoa(port) + "/0"
	r := chorusCmd(t, dir, posts, env, "import", "--redis", url, "--event", "tls", "-")
	if r.code != 0 || r.lastLine() != `{"read":2,"accepted":2,"duplicates":0,"rejected":0}` {
		t.Fatalf("import over TLS: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	r = chorusCmd(t, dir, "", env, "event", "list", "--redis", url)
	if !strings.Contains(r.stdout, `"id":"tls"`) {
		t.Errorf("event list over TLS = %q, %q", r.stdout, r.stderr)
	}
	bad := "rediss://:wrong-pw-123@127.0.0.1:" + strconv.Itoa(port) + "/0"
	r = chorusCmd(t, dir, posts, env, "import", "--redis", bad, "--event", "tls", "-")
	if r.code == 0 {
		t.Errorf("import with a wrong password exited 0")
	}
	if strings.Contains(r.stdout+r.stderr, "wrong-pw-123") || strings.Contains(r.stdout+r.stderr, "s3cret-pw") {
		t.Errorf("a password reached the output:\n%s%s", r.stdout, r.stderr)
	}
}
