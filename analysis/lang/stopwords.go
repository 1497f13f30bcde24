// Function words per language, hand-listed (the most frequent short words of each
// language that are rare in the others); a word shared by languages sets several bits.

package lang

// stopMask returns the set of languages (bit i = latinLangs[i]) that use w,
// a lower-cased word, as a common function word.
func stopMask(w string) uint16 {
	switch w {
	case "about", "after", "all", "and", "are", "at", "be", "because", "been", "being", "but", "can", "can't", "could", "day", "did", "don't", "for", "from", "get", "going", "good", "got", "has", "have", "he", "her", "him", "his", "how", "i", "i'm", "if", "in", "it", "it's", "just", "know", "like", "love", "me", "more", "my", "need", "new", "not", "now", "of", "one", "or", "our", "out", "people", "really", "see", "she", "should", "so", "still", "than", "that", "the", "their", "them", "then", "there", "they", "think", "this", "time", "to", "today", "up", "via", "want", "we", "were", "what", "when", "who", "will", "with", "would", "you", "your":
		return 1
	case "al", "bien", "como", "cuando", "el", "eso", "esta", "este", "hay", "hoy", "las", "los", "muy", "más", "nos", "pero", "qué", "se", "sin", "sobre", "son", "también", "te", "todo", "y", "yo":
		return 2
	case "as", "com", "dos", "ela", "ele", "em", "eu", "foi", "hoje", "isso", "já", "mas", "meu", "minha", "muito", "não", "o", "os", "pra", "quando", "seu", "sua", "são", "também", "tem", "tá", "um", "uma", "você", "é":
		return 4
	case "do":
		return 5
	case "está", "no", "para", "por", "porque":
		return 6
	case "au", "aux", "avec", "c'est", "ce", "cette", "dans", "des", "elle", "est", "et", "fait", "j'ai", "mes", "mon", "nous", "pas", "pour", "qui", "sont", "sur", "tout", "très", "une", "vous", "être":
		return 8
	case "on":
		return 9
	case "les":
		return 10
	case "mais":
		return 12
	case "que":
		return 14
	case "aber", "auch", "auf", "bei", "dass", "dem", "den", "der", "ein", "eine", "für", "heute", "ich", "im", "ist", "ja", "mein", "mit", "nicht", "noch", "nur", "sich", "sie", "sind", "und", "von", "wie", "wir", "wird", "zu":
		return 16
	case "was":
		return 17
	case "es":
		return 18
	case "das":
		return 20
	case "du":
		return 24
	case "anche", "che", "come", "della", "gli", "ho", "io", "molto", "nel", "non", "oggi", "per", "perché", "più", "questo", "sei", "sono", "ti", "è":
		return 32
	case "con", "del", "lo", "una":
		return 34
	case "e":
		return 36
	case "il", "ma":
		return 40
	case "la", "le", "tu", "un":
		return 42
	case "dat", "dit", "een", "er", "heb", "het", "hij", "ik", "maar", "met", "naar", "niet", "nog", "ook", "op", "van", "voor", "wat", "wel", "zijn", "zo":
		return 64
	case "is":
		return 65
	case "je":
		return 72
	case "en":
		return 74
	case "die":
		return 80
	case "ada", "akan", "aku", "apa", "bisa", "dan", "dari", "dengan", "gak", "ini", "itu", "juga", "kamu", "ke", "kita", "lagi", "mau", "saya", "sudah", "tapi", "tidak", "untuk", "yang":
		return 128
	case "ya":
		return 130
	case "di":
		return 160
	case "ama", "ben", "bir", "bu", "daha", "gibi", "ile", "için", "sen", "var", "ve", "çok":
		return 256
	case "ne":
		return 264
	case "mi":
		return 290
	case "da":
		return 292
	case "de":
		return 334
	case "ako", "ang", "hindi", "ikaw", "ka", "ko", "lang", "mga", "mo", "naman", "ng", "po", "sa", "yung":
		return 512
	case "na":
		return 516
	// Thanks, greetings and laughter: often the whole of a short reply.
	case "hola", "gracias", "jaja", "jajaja", "jajajaja", "felicidades", "buenas", "buenos":
		return 2
	case "obrigado", "obrigada", "parabéns", "valeu", "kkkk", "kkkkk", "kkkkkk":
		return 4
	case "merci", "bonjour", "bonsoir", "oui", "mdr", "félicitations":
		return 8
	case "danke", "schön", "glückwunsch", "nein", "hallo":
		return 16
	case "grazie", "ciao", "complimenti", "evviva":
		return 32
	case "bedankt", "gefeliciteerd", "leuk":
		return 64
	case "terima", "kasih", "selamat", "wkwk", "wkwkwk", "wkwkwkwk":
		return 128
	case "teşekkürler", "tebrikler", "harika", "merhaba":
		return 256
	case "salamat", "galing":
		return 512
	}
	return 0
}

// latinLangs are the Latin-script languages the function-word vote tells apart.
const latinLangs = "en es pt fr de it nl id tr tl"
