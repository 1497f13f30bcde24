package file

import "github.com/chorus-news/chorus"

// DecodePost parses one canonical post from a JSON object and validates it:
// the decoder of the ndjson format, shared with the HTTP push endpoint so
// every ingest path reads posts the same way. The error is a
// *chorus.FieldError naming the field ("json" for a syntax fault).
func DecodePost(data []byte) (chorus.Post, error) {
	var d decoder
	return d.decodePost(data)
}
