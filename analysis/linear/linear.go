// Package linear is the text classifier behind the English and Chinese
// models: hashed sparse features, multinomial logistic regression trained by
// SGD, a compact float32 model file, and the metrics to judge it.
package linear
