/*
 * words.h: bytes as the PGP word list, so that a hash can be read aloud at
 * a ceremony, written on paper, and typed back in without loss.
 *
 * The PGP word list (Juola and Zimmermann, 1995; the "biometric" word list
 * of PGP and PGPfone) is two lists of 256 words.  A byte at an even
 * position (0, 2, 4, ...) is spoken as a two-syllable "even" word, a byte
 * at an odd position as a three-syllable "odd" word: 0x00 is "aardvark"
 * or "adroitness", 0xff is "Zulu" or "Yucatan".  Because the lists are
 * disjoint, a dropped, doubled or swapped word puts a word of the wrong
 * list in some position, and decoding refuses it.
 *
 * Encoding writes the official capitalisation (proper nouns capitalised,
 * as in PGP's manuals: "topmost Istanbul Pluto vagabond"), ASCII only, so
 * our output matches other implementations word for word.  Decoding
 * ignores case, and also takes "Yucatán" (UTF-8), the spelling that some
 * copies of the list use for 0xff.
 */
#ifndef CA_WORDS_H
#define CA_WORDS_H

#include <stddef.h>

#include "ca_err.h"

/*
 * CA_WORDS_CAP(n): an output size that always fits the words for n bytes
 * and the NUL (no word is longer than 11 characters; each is followed by
 * a space or the NUL).  32 bytes of SHA-256 fit in CA_WORDS_CAP(32) = 385.
 */
#define CA_WORDS_CAP(n)	(12 * (size_t)(n) + 1)

/*
 * ca_words_encode: the n bytes at in as words, one space between words and
 * none at either end, NUL-terminated in out[cap].  n == 0 gives "" (in may
 * then be NULL).  CA_ERR_INVALID_ARG when out is NULL or cap is too small
 * for the words and the NUL; then out is "" if cap > 0.
 */
int ca_words_encode(const unsigned char *in, size_t n, char *out,
    size_t cap) CA_MUST_CHECK;

/*
 * ca_words_encode_hex: like ca_words_encode, for the bytes written as the
 * hex string hex (even length, either case, no separators; for example a
 * SHA-256 from ca_sha256_hex).  "" gives "".  CA_ERR_INVALID_ARG when hex
 * is NULL, of odd length or not hex, or as ca_words_encode; then out is
 * "" if cap > 0.
 */
int ca_words_encode_hex(const char *hex, char *out, size_t cap)
    CA_MUST_CHECK;

/*
 * ca_words_decode: the bytes spelled by text, into out[cap], their count
 * in *n.  Words are separated by any run of spaces, tabs, CRs or newlines
 * (leading and trailing ones too) and matched without regard to case.
 * Text with no words gives *n = 0; out may be NULL when cap is 0.
 * CA_ERR_INVALID_ARG when text or n is NULL, when a word is not in the
 * list, when a word comes from the wrong list for its position (a word
 * dropped, added or swapped), or when there are more than cap words; then
 * *n is 0 and out[0..cap) is zeroed.
 */
int ca_words_decode(const char *text, unsigned char *out, size_t cap,
    size_t *n) CA_MUST_CHECK;

#endif
