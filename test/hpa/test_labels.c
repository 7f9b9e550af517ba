/* Label sets and selectors. The vectors follow the API machinery's own
 * tests (labels selector_test.go, validation kube_test.go, metav1
 * helpers_test.go) plus malformed input, edge values and property checks.
 *
 * Table runners report every failing row before failing the test, so one
 * run shows the whole picture. */
#include "hpa/labels.h"
#include "test_support.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_SIZE 512

static size_t failures;

static void report(const char *table, size_t row, const char *input, const char *what)
{
    print_error("%s[%zu] %s: %s\n", table, row, input, what);
    failures++;
}

static hpac_labels labels_of(const char *json_text)
{
    json_error_t jerr;
    json_t *j = json_loads(json_text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j)
        fail_msg("bad JSON in test table: %s (%s)", json_text, jerr.text);
    hpac_labels labels = {NULL, 0};
    char err[ERR_SIZE] = "";
    if (hpac_labels_from_json(j, &labels, err, sizeof(err)) != 0)
        fail_msg("labels %s: %s", json_text, err);
    json_decref(j);
    return labels;
}

static json_t *json_of(const char *json_text)
{
    json_error_t jerr;
    json_t *j = json_loads(json_text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j)
        fail_msg("bad JSON in test table: %s (%s)", json_text, jerr.text);
    return j;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ------------------------------------------------------------ parsing */

typedef struct valid_case {
    const char *in;
    const char *canonical;
} valid_case;

static const valid_case valid_cases[] = {
    /* From upstream TestSelectorParse: whitespace is dropped on re-print. */
    {"", ""},
    {"x=a,y=b,z=c", "x=a,y=b,z=c"},
    {"x!=a,y=b", "x!=a,y=b"},
    {"x=", "x="},
    {"x= ", "x="},
    {"x=,z= ", "x=,z="},
    {"x= ,z= ", "x=,z="},
    {"!x", "!x"},
    {"x>1", "x>1"},
    {"x>1,z<5", "x>1,z<5"},
    /* TestDeterministicParse: sorted by key. */
    {"x=a,a=x", "a=x,x=a"},
    {"a=x,x=a", "a=x,x=a"},
    /* TestSetSelectorParser. */
    {"\rx", "x"},
    {"this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"},
    {"this-is-another-dns.domain.com/key-with-dash in (so,what)",
     "this-is-another-dns.domain.com/key-with-dash in (so,what)"},
    {"0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
     "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"},
    {"foo  in\t (abc)", "foo in (abc)"},
    {"x notin\n (abc)", "x notin (abc)"},
    {"x  notin\t\t\t(abc,def)", "x notin (abc,def)"},
    {"x in (abc,def)", "x in (abc,def)"},
    {"x in (abc,)", "x in (,abc)"},
    {"x in ()", "x in ()"},
    {"x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"},
    {"x,y in (a)", "x,y in (a)"},
    {"x=a", "x=a"},
    {"x>1", "x>1"},
    {"x<7", "x<7"},
    {"x=a,y!=b", "x=a,y!=b"},
    {"x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"},
    {"x notin ( )", "x notin ()"},
    {"x notin (, a)", "x notin (,a)"},
    {"a ", "a"},
    {"a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"},
    /* TestSelectorMatches / TestToString shapes. */
    {"notin=in", "notin=in"},
    {"x==a", "x==a"},
    {"x=abc,y==jkl,z!=a,z", "x=abc,y==jkl,z!=a,z"},
    {"x>2,y<8,z", "x>2,y<8,z"},
    {"x notin (abc,def),y!=jkl,!z", "x notin (abc,def),y!=jkl,!z"},
    {"x notin (abc),y in (jkl,mno),z notin ()", "x notin (abc),y in (jkl,mno),z notin ()"},
    /* White space: space, tab, CR and LF, anywhere between tokens. */
    {"   ", ""},
    {" \t\r\n", ""},
    {"  x  ", "x"},
    {"\tx\t=\ta\t", "x=a"},
    {"x\n,\ny", "x,y"},
    {"x == a", "x==a"},
    {"x != a", "x!=a"},
    {"x = a , y = b", "x=a,y=b"},
    {"! x", "!x"},
    {"x > 1 , y < 2", "x>1,y<2"},
    {"x in(a)", "x in (a)"},
    {"x notin(a)", "x notin (a)"},
    {"x in (a) , y", "x in (a),y"},
    {"x in( a , b )", "x in (a,b)"},
    /* Keywords are keys and values where those may stand. */
    {"in", "in"},
    {"notin", "notin"},
    {"!in", "!in"},
    {"!notin", "!notin"},
    {"in in (in)", "in in (in)"},
    {"notin notin (notin)", "notin notin (notin)"},
    {"notin in ()", "notin in ()"},
    {"x=in", "x=in"},
    {"x=notin", "x=notin"},
    {"x!=in", "x!=in"},
    {"in=notin,notin=in", "in=notin,notin=in"},
    /* Value sets: sorted, deduplicated, empty slots mean "". */
    {"x in (c,b,a)", "x in (a,b,c)"},
    {"x in (a,a,a)", "x in (a)"},
    {"x in (b,a,b,a)", "x in (a,b)"},
    {"x in (,)", "x in ()"},
    {"x in (,a)", "x in (,a)"},
    {"x in (,,a)", "x in (,a)"},
    {"x in (a,,b)", "x in (,a,b)"},
    {"x in (a,,,b)", "x in (,a,b)"},
    {"x in (a,,,)", "x in (,a)"},
    {"x in (a,,a,,a,,a,,,)", "x in (,a)"},
    {"x in (B,a,A,b)", "x in (A,B,a,b)"},
    {"x in (10,9,1)", "x in (1,10,9)"},
    /* Requirements sort by key; equal keys keep their input order. */
    {"b=2,a=1,c=3", "a=1,b=2,c=3"},
    {"z,y,x", "x,y,z"},
    {"!y,x", "x,!y"},
    {"x=b,x=a", "x=b,x=a"},
    {"x!=a,x", "x!=a,x"},
    {"x,x!=a", "x,x!=a"},
    {"!x,x=a", "!x,x=a"},
    {"x>1,x<10", "x>1,x<10"},
    {"x in (a,b),x notin (c)", "x in (a,b),x notin (c)"},
    {"x in (a),!y,z!=c", "x in (a),!y,z!=c"},
    {"B=1,a=2,A=3", "A=3,B=1,a=2"},
    {"a.b=1,a=2,a-b=3", "a=2,a-b=3,a.b=1"},
    /* Exact values that are empty. */
    {"x==", "x=="},
    {"x!=", "x!="},
    {"x=,y", "x=,y"},
    /* Integers for '>' and '<'. */
    {"x>0", "x>0"},
    {"x>007", "x>007"},
    {"x<9223372036854775807", "x<9223372036854775807"},
    /* Keys and values at their limits of shape. */
    {"a.b/c", "a.b/c"},
    {"example.com/MyName=Value_1", "example.com/MyName=Value_1"},
    {"A=B", "A=B"},
    {"1234=5678", "1234=5678"},
    {"a-b_c.d=e-f_g.h", "a-b_c.d=e-f_g.h"},
    {"app.kubernetes.io/name in (web,api)", "app.kubernetes.io/name in (api,web)"},
    {"app=web,tier in (a,b),!canary", "app=web,!canary,tier in (a,b)"},
};

static void test_labels__parse_valid(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const valid_case *c = &valid_cases[i];
        char err[ERR_SIZE] = "";
        hpac_selector *sel = hpac_selector_parse(c->in, err, sizeof(err));
        if (!sel) {
            report("valid", i, c->in, err);
            continue;
        }
        char *got = hpac_selector_to_string(sel);
        assert_non_null(got);
        if (strcmp(got, c->canonical) != 0) {
            char what[ERR_SIZE];
            snprintf(what, sizeof(what), "got \"%s\", want \"%s\"", got, c->canonical);
            report("valid", i, c->in, what);
        }
        if (hpac_selector_is_everything(sel) != (c->canonical[0] == '\0'))
            report("valid", i, c->in, "is_everything disagrees with the canonical form");
        if (hpac_selector_is_nothing(sel))
            report("valid", i, c->in, "a parsed selector reports nothing");
        free(got);
        hpac_selector_free(sel);
    }
    assert_int_equal(failures, 0);
}

/* The canonical form parses back to itself. */
static void test_labels__canonical_round_trip(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const valid_case *c = &valid_cases[i];
        char err[ERR_SIZE] = "";
        hpac_selector *sel = hpac_selector_parse(c->canonical, err, sizeof(err));
        if (!sel) {
            report("round_trip", i, c->canonical, err);
            continue;
        }
        char *got = hpac_selector_to_string(sel);
        assert_non_null(got);
        if (strcmp(got, c->canonical) != 0)
            report("round_trip", i, c->canonical, got);
        free(got);
        hpac_selector_free(sel);
    }
    assert_int_equal(failures, 0);
}

typedef struct invalid_case {
    const char *in;
    const char *err; /* a part the message must contain */
} invalid_case;

static const invalid_case invalid_cases[] = {
    /* From upstream TestSelectorParse and TestSetSelectorParser. */
    /* "a||y" is one identifier: its value check fails before the '='. */
    {"x=a||y=b", "invalid label value \"a||y\" for key \"x\" at position 2"},
    {"x==a==b", "unexpected token \"==\" at position 4"},
    {"!x=a", "unexpected token \"=\" at position 2, expected ',' or end of string"},
    {"x<a", "invalid value \"a\" for key \"x\" at position 2: operator '<' needs an integer"},
    {"x,,y", "unexpected token \",\" at position 2, expected '!' or a label key"},
    {",x,y", "unexpected token \",\" at position 0"},
    {"x nott in (y)", "unexpected token \"nott\" at position 2, expected one of in, notin"},
    {"a in (xyz),", "unexpected end of string at position 11, expected '!' or a label key"},
    {"a in (xyz)b notin ()", "unexpected token \"b\" at position 10, expected ','"},
    {"a in (xyz abc)", "unexpected token \"abc\" at position 10, expected ',' or ')'"},
    {"a notin(", "unexpected end of string at position 8"},
    {"a (", "unexpected token \"(\" at position 2"},
    {"(", "unexpected token \"(\" at position 0, expected '!' or a label key"},
    /* Stray tokens. */
    {")", "unexpected token \")\" at position 0"},
    {",", "unexpected token \",\" at position 0"},
    {"=", "unexpected token \"=\" at position 0"},
    {"==a", "unexpected token \"==\" at position 0"},
    {"!=a", "unexpected token \"!=\" at position 0"},
    {">1", "unexpected token \">\" at position 0"},
    {"  <1", "unexpected token \"<\" at position 2"},
    {"!", "unexpected end of string at position 1, expected a label key"},
    {"!!x", "unexpected token \"!\" at position 1, expected a label key"},
    {"!(", "unexpected token \"(\" at position 1"},
    {"! ,x", "unexpected token \",\" at position 2"},
    {"x!", "unexpected token \"!\" at position 1, expected one of in, notin, =, ==, !=, >, <"},
    {"x !y", "unexpected token \"!\" at position 2, expected one of"},
    {"x y", "unexpected token \"y\" at position 2, expected one of"},
    {"x y=z", "unexpected token \"y\" at position 2"},
    {"x (a)", "unexpected token \"(\" at position 2, expected one of"},
    /* Set-based requirements. */
    {"x in", "unexpected end of string at position 4, expected '('"},
    {"x notin", "unexpected end of string at position 7, expected '('"},
    {"a in )", "unexpected token \")\" at position 5, expected '('"},
    {"x in a", "unexpected token \"a\" at position 5, expected '('"},
    {"x in (", "unexpected end of string at position 6, expected ',', ')' or a value"},
    {"x in (a", "unexpected end of string at position 7, expected ',' or ')'"},
    {"x in (a,", "unexpected end of string at position 8, expected ',' or a value"},
    {"x in (,", "unexpected end of string at position 7"},
    {"x in (a,,", "unexpected end of string at position 9"},
    {"x in (a,,)", "unexpected token \")\" at position 9, expected ',' or a value"},
    {"x in (,,)", "unexpected token \")\" at position 8"},
    {"x in (a,,b,,)", "unexpected token \")\" at position 12"},
    {"x in ((a))", "unexpected token \"(\" at position 6"},
    {"x in (a)(b)", "unexpected token \"(\" at position 8, expected ','"},
    {"x in (a))", "unexpected token \")\" at position 8"},
    {"x in (=)", "unexpected token \"=\" at position 6"},
    {"x in (a=b)", "unexpected token \"=\" at position 7, expected ',' or ')'"},
    {"x in (a,=)", "unexpected token \"=\" at position 8"},
    {"x in (a,(", "unexpected token \"(\" at position 8"},
    {"x in (in", "unexpected end of string at position 8"},
    {"in in", "unexpected end of string at position 5, expected '('"},
    {"x in (a),", "unexpected end of string at position 9"},
    {"x in in (a)", "unexpected token \"in\" at position 5, expected '('"},
    /* Exact-match requirements. */
    {"x=(", "unexpected token \"(\" at position 2, expected a value"},
    {"x=)", "unexpected token \")\" at position 2, expected a value"},
    {"x=!", "unexpected token \"!\" at position 2, expected a value"},
    {"x===a", "unexpected token \"=\" at position 3, expected a value"},
    {"x!==a", "unexpected token \"=\" at position 3, expected a value"},
    {"x=a,", "unexpected end of string at position 4"},
    {"x=a b", "unexpected token \"b\" at position 4, expected ',' or end of string"},
    {"x=a)", "unexpected token \")\" at position 3"},
    {"x=a,,y=b", "unexpected token \",\" at position 4"},
    {"x,", "unexpected end of string at position 2, expected '!' or a label key"},
    {"x >= 1", "unexpected token \"=\" at position 3, expected a value"},
    {"x <= 1", "unexpected token \"=\" at position 3, expected a value"},
    {"x =< 1", "unexpected token \"<\" at position 3, expected a value"},
    {"x<<1", "unexpected token \"<\" at position 2"},
    {"x>>1", "unexpected token \">\" at position 2"},
    {"x<>1", "unexpected token \">\" at position 2"},
    /* '>' and '<' need a decimal int64 that is also a valid label value. */
    {"x>a", "invalid value \"a\" for key \"x\" at position 2: operator '>' needs an integer"},
    {"x>", "invalid value \"\" for key \"x\" at position 2: operator '>' needs an integer"},
    {"x<,y", "invalid value \"\" for key \"x\" at position 2"},
    {"x>1.5", "operator '>' needs an integer"},
    {"x>1e3", "operator '>' needs an integer"},
    {"x>0x10", "operator '>' needs an integer"},
    {"x>9223372036854775808", "operator '>' needs an integer"},
    {"x>99999999999999999999", "operator '>' needs an integer"},
    {"x>-1", "invalid label value \"-1\" for key \"x\" at position 2"},
    {"x<+1", "invalid label value \"+1\" for key \"x\""},
    {"x>1 2", "unexpected token \"2\" at position 4"},
    {"x>in", "operator '>' needs an integer"},
    /* Keys. */
    {"-x", "invalid label key \"-x\" at position 0: name part must consist of"},
    {"x-", "invalid label key \"x-\" at position 0"},
    {"_x", "invalid label key \"_x\""},
    {".x", "invalid label key \".x\""},
    {"a%b", "invalid label key \"a%b\""},
    {"x;y", "invalid label key \"x;y\""},
    {"x|y", "invalid label key \"x|y\""},
    {"x&&y", "invalid label key \"x&&y\""},
    {"a:b", "invalid label key \"a:b\""},
    {"a/b/c", "invalid label key \"a/b/c\" at position 0: a label key is an optional DNS"},
    {"/a", "invalid label key \"/a\" at position 0: prefix part must be non-empty"},
    {"a/", "invalid label key \"a/\" at position 0: name part must be non-empty"},
    {"/", "prefix part must be non-empty"},
    {"Example.com/a", "prefix part must be a lowercase RFC 1123 subdomain"},
    {"example_com/a", "prefix part must be a lowercase RFC 1123 subdomain"},
    {"-example.com/a", "prefix part must be a lowercase RFC 1123 subdomain"},
    {"example-.com/a", "prefix part must be a lowercase RFC 1123 subdomain"},
    {"example..com/a", "prefix part must be a lowercase RFC 1123 subdomain"},
    {".example.com/a", "prefix part must be a lowercase RFC 1123 subdomain"},
    {"example.com./a", "prefix part must be a lowercase RFC 1123 subdomain"},
    {"a/-b", "name part must consist of"},
    {"y=a,!-x", "invalid label key \"-x\" at position 5"},
    {"x in (a),-y", "invalid label key \"-y\" at position 9"},
    {"\xc3\xa9=1", "invalid label key \"\\xc3\\xa9\" at position 0"},
    /* Values. */
    {"x=-a", "invalid label value \"-a\" for key \"x\" at position 2: must be empty or consist"},
    {"x=a-", "invalid label value \"a-\""},
    {"x=.a", "invalid label value \".a\""},
    {"x=a.", "invalid label value \"a.\""},
    {"x=_a", "invalid label value \"_a\""},
    {"x=a%b", "invalid label value \"a%b\""},
    {"x=a/b", "invalid label value \"a/b\""},
    {"x!=a:b", "invalid label value \"a:b\""},
    {"x==a;b", "invalid label value \"a;b\""},
    {"x=\"a\"", "invalid label value \"\\\"a\\\"\""},
    {"x in (a, -b)", "invalid label value \"-b\" for key \"x\" at position 9"},
    {"x notin (a%)", "invalid label value \"a%\" for key \"x\" at position 9"},
    {"x in (,b-)", "invalid label value \"b-\""},
    {"k=Tama-nui-te-r\xc4\x81", "invalid label value \"Tama-nui-te-r\\xc4\\x81\""},
};

static void test_labels__parse_invalid(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        const invalid_case *c = &invalid_cases[i];
        char err[ERR_SIZE] = "";
        hpac_selector *sel = hpac_selector_parse(c->in, err, sizeof(err));
        if (sel) {
            char *s = hpac_selector_to_string(sel);
            char what[ERR_SIZE];
            snprintf(what, sizeof(what), "parsed as \"%s\", want an error", s ? s : "?");
            report("invalid", i, c->in, what);
            free(s);
            hpac_selector_free(sel);
            continue;
        }
        if (!strstr(err, c->err)) {
            char what[ERR_SIZE * 2 + 32];
            snprintf(what, sizeof(what), "error \"%s\" lacks \"%s\"", err, c->err);
            report("invalid", i, c->in, what);
        }
    }
    assert_int_equal(failures, 0);
}

/* ----------------------------------------------------------- matching */

typedef struct match_case {
    const char *selector;
    const char *labels; /* JSON object */
    bool want;
} match_case;

#define FOO_BAZ "{\"foo\":\"bar\",\"baz\":\"blah\"}"

static const match_case match_cases[] = {
    /* Upstream TestSelectorMatches. */
    {"", "{\"x\":\"y\"}", true},
    {"x=y", "{\"x\":\"y\"}", true},
    {"x=y,z=w", "{\"x\":\"y\",\"z\":\"w\"}", true},
    {"x!=y,z!=w", "{\"x\":\"z\",\"z\":\"a\"}", true},
    {"notin=in", "{\"notin\":\"in\"}", true},
    {"x", "{\"x\":\"z\"}", true},
    {"!x", "{\"y\":\"z\"}", true},
    {"x>1", "{\"x\":\"2\"}", true},
    {"x<1", "{\"x\":\"0\"}", true},
    {"x=z", "{}", false},
    {"x=y", "{\"x\":\"z\"}", false},
    {"x=y,z=w", "{\"x\":\"w\",\"z\":\"w\"}", false},
    {"x!=y,z!=w", "{\"x\":\"z\",\"z\":\"w\"}", false},
    {"x", "{\"y\":\"z\"}", false},
    {"!x", "{\"x\":\"z\"}", false},
    {"x>1", "{\"x\":\"0\"}", false},
    {"x<1", "{\"x\":\"2\"}", false},
    {"foo=bar", FOO_BAZ, true},
    {"baz=blah", FOO_BAZ, true},
    {"foo=bar,baz=blah", FOO_BAZ, true},
    {"foo=blah", FOO_BAZ, false},
    {"baz=bar", FOO_BAZ, false},
    {"foo=bar,foobar=bar,baz=blah", FOO_BAZ, false},
    /* Upstream TestRequirementSelectorMatching. */
    {"x in (foo),y notin (alpha)", "{\"x\":\"foo\",\"y\":\"baz\"}", true},
    {"x in (foo),y in (alpha)", "{\"x\":\"foo\",\"y\":\"baz\"}", false},
    {"x notin (),y", "{\"y\":\"\"}", true},
    {"!x,y", "{\"y\":\"\"}", true},
    {"x notin (),!y", "{\"y\":\"\"}", false},
    {"x in ()", "{\"y\":\"baz\"}", false},
    {"z>1", "{\"z\":\"2\"}", true},
    {"z>1", "{\"z\":\"v2\"}", false},
    /* The empty value. */
    {"x in ()", "{\"x\":\"\"}", true},
    {"x in ()", "{\"x\":\"a\"}", false},
    {"x=", "{\"x\":\"\"}", true},
    {"x=", "{}", false},
    {"x=", "{\"x\":\"a\"}", false},
    {"x!=", "{}", true},
    {"x!=", "{\"x\":\"\"}", false},
    {"x!=", "{\"x\":\"a\"}", true},
    {"x in (,a)", "{\"x\":\"\"}", true},
    {"x in (,a)", "{\"x\":\"a\"}", true},
    {"x in (,a)", "{\"x\":\"b\"}", false},
    {"x notin (,a)", "{\"x\":\"\"}", false},
    {"x notin (,a)", "{\"x\":\"b\"}", true},
    {"x", "{\"x\":\"\"}", true},
    {"!x", "{\"x\":\"\"}", false},
    /* Set membership. */
    {"x notin (a,b)", "{}", true},
    {"x notin (a,b)", "{\"x\":\"a\"}", false},
    {"x notin (a,b)", "{\"x\":\"b\"}", false},
    {"x notin (a,b)", "{\"x\":\"c\"}", true},
    {"x in (a,b,c)", "{\"x\":\"a\"}", true},
    {"x in (a,b,c)", "{\"x\":\"b\"}", true},
    {"x in (a,b,c)", "{\"x\":\"c\"}", true},
    {"x in (a,b,c)", "{\"x\":\"d\"}", false},
    {"x in (a,b,c)", "{\"x\":\"A\"}", false},
    {"x in (a,b,c)", "{\"x\":\"ab\"}", false},
    {"x in (a,b,c)", "{}", false},
    {"x in (a,b,c,d,e,f,g,h,i,j,k)", "{\"x\":\"k\"}", true},
    {"x in (a,b,c,d,e,f,g,h,i,j,k)", "{\"x\":\"a\"}", true},
    {"x in (a,b,c,d,e,f,g,h,i,j,k)", "{\"x\":\"f\"}", true},
    {"x in (a,b,c,d,e,f,g,h,i,j,k)", "{\"x\":\"ff\"}", false},
    {"x notin (a,b,c,d,e,f,g,h,i,j,k)", "{\"x\":\"l\"}", true},
    {"x=a", "{\"X\":\"a\"}", false},
    {"x=a", "{\"x\":\"A\"}", false},
    {"x==a", "{\"x\":\"a\"}", true},
    {"x==a", "{\"x\":\"b\"}", false},
    {"in in (in)", "{\"in\":\"in\"}", true},
    {"in in (in)", "{\"in\":\"notin\"}", false},
    /* Integers compare as numbers, and only labels that are integers. */
    {"x>1", "{}", false},
    {"x<1", "{}", false},
    {"x>1", "{\"x\":\"1\"}", false},
    {"x<1", "{\"x\":\"1\"}", false},
    {"x<0", "{\"x\":\"-5\"}", true},
    {"x>0", "{\"x\":\"+5\"}", true},
    {"x>0", "{\"x\":\" 5\"}", false},
    {"x>0", "{\"x\":\"5 \"}", false},
    {"x>0", "{\"x\":\"0x10\"}", false},
    {"x>0", "{\"x\":\"1e3\"}", false},
    {"x>0", "{\"x\":\"1_000\"}", false},
    {"x>0", "{\"x\":\"\"}", false},
    {"x<0", "{\"x\":\"\"}", false},
    {"x<0", "{\"x\":\"-\"}", false},
    {"x>0", "{\"x\":\"+\"}", false},
    {"x>9223372036854775806", "{\"x\":\"9223372036854775807\"}", true},
    {"x>0", "{\"x\":\"9223372036854775808\"}", false},
    {"x<0", "{\"x\":\"-9223372036854775808\"}", true},
    {"x<0", "{\"x\":\"-9223372036854775809\"}", false},
    {"x<9223372036854775807", "{\"x\":\"-9223372036854775808\"}", true},
    {"x>007", "{\"x\":\"8\"}", true},
    {"x>7", "{\"x\":\"007\"}", false},
    {"x<10", "{\"x\":\"9\"}", true},
    {"x>9", "{\"x\":\"10\"}", true},
    {"x>1,x<3", "{\"x\":\"2\"}", true},
    {"x>1,x<3", "{\"x\":\"3\"}", false},
    /* Conjunctions, contradictions and several keys. */
    {"x,!x", "{\"x\":\"a\"}", false},
    {"x,!x", "{}", false},
    {"x=a,x!=a", "{\"x\":\"a\"}", false},
    {"x=a,x=b", "{\"x\":\"a\"}", false},
    {"x in (a,b),x notin (b)", "{\"x\":\"a\"}", true},
    {"x in (a,b),x notin (b)", "{\"x\":\"b\"}", false},
    {"!a,!b,!c", "{\"d\":\"1\"}", true},
    {"!a,!b,!c", "{\"b\":\"1\"}", false},
    {"a,b,c", "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}", true},
    {"a,b,c", "{\"a\":\"1\",\"c\":\"3\"}", false},
    {"app=web,tier in (a,b),!canary", "{\"app\":\"web\",\"tier\":\"b\"}", true},
    {"app=web,tier in (a,b),!canary", "{\"app\":\"web\",\"tier\":\"b\",\"canary\":\"true\"}",
     false},
    {"app=web,tier in (a,b),!canary", "{\"app\":\"web\",\"tier\":\"c\"}", false},
    {"example.com/app=web", "{\"example.com/app\":\"web\"}", true},
    {"example.com/app=web", "{\"app\":\"web\"}", false},
    {"", "{}", true},
    {"x", "{}", false},
    {"!x", "{}", true},
    {"m=13", "{\"z\":\"26\",\"y\":\"25\",\"x\":\"24\",\"w\":\"23\",\"v\":\"22\",\"u\":\"21\","
             "\"t\":\"20\",\"s\":\"19\",\"r\":\"18\",\"q\":\"17\",\"p\":\"16\",\"o\":\"15\","
             "\"n\":\"14\",\"m\":\"13\",\"l\":\"12\",\"k\":\"11\",\"j\":\"10\",\"i\":\"9\","
             "\"h\":\"8\",\"g\":\"7\",\"f\":\"6\",\"e\":\"5\",\"d\":\"4\",\"c\":\"3\","
             "\"b\":\"2\",\"a\":\"1\"}",
     true},
    {"a=1,z=26,!zz,!A", "{\"z\":\"26\",\"y\":\"25\",\"b\":\"2\",\"a\":\"1\"}", true},
};

static void test_labels__match(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        const match_case *c = &match_cases[i];
        char err[ERR_SIZE] = "";
        hpac_selector *sel = hpac_selector_parse(c->selector, err, sizeof(err));
        if (!sel) {
            report("match", i, c->selector, err);
            continue;
        }
        hpac_labels labels = labels_of(c->labels);
        if (hpac_selector_matches(sel, &labels) != c->want)
            report("match", i, c->selector, c->want ? "did not match" : "matched");
        /* The canonical form selects the same sets. */
        char *canonical = hpac_selector_to_string(sel);
        assert_non_null(canonical);
        hpac_selector *again = hpac_selector_parse(canonical, err, sizeof(err));
        if (!again || hpac_selector_matches(again, &labels) != c->want)
            report("match", i, canonical, "canonical form selects differently");
        hpac_selector_free(again);
        free(canonical);
        hpac_labels_clear(&labels);
        hpac_selector_free(sel);
    }
    assert_int_equal(failures, 0);
}

/* --------------------------------------------------- keys and values */

typedef struct validity_case {
    const char *text;
    bool valid;
} validity_case;

static const validity_case key_cases[] = {
    /* Upstream TestIsLabelKey. */
    {"simple", true},
    {"now-with-dashes", true},
    {"1-starts-with-num", true},
    {"1234", true},
    {"simple/simple", true},
    {"now-with-dashes/simple", true},
    {"now-with-dashes/now-with-dashes", true},
    {"now.with.dots/simple", true},
    {"now-with.dashes-and.dots/simple", true},
    {"1-num.2-num/3-num", true},
    {"1234/5678", true},
    {"1.2.3.4/5678", true},
    {"Uppercase_Is_OK_123", true},
    {"example.com/Uppercase_Is_OK_123", true},
    {"requests.storage-foo", true},
    {"nospecialchars%^=@", false},
    {"cantendwithadash-", false},
    {"-cantstartwithadash-", false},
    {"only/one/slash", false},
    {"Example.com/abc", false},
    {"example_com/abc", false},
    {"example.com/", false},
    {"/simple", false},
    /* More shapes. */
    {"a", true},
    {"A", true},
    {"0", true},
    {"a.b", true},
    {"a_b", true},
    {"a-b", true},
    {"a..b", true},
    {"a--b", true},
    {"a__b", true},
    {"a/b", true},
    {"a-b.c/d", true},
    {"a--b.c-d/e", true},
    {"in", true},
    {"notin", true},
    {"", false},
    {"_a", false},
    {"a_", false},
    {".a", false},
    {"a.", false},
    {"a b", false},
    {" a", false},
    {"a ", false},
    {"\xc3\xa4", false},
    {"a/-b", false},
    {"a/b-", false},
    {"-a/b", false},
    {"a-/b", false},
    {"a..b/c", false},
    {".a/b", false},
    {"a./b", false},
    {"a_b/c", false},
    {"A/b", false},
    {"/", false},
    {"//", false},
    {"a//b", false},
    {"a@b", false},
    {"a:b", false},
    {"a\tb", false},
    {"a=b", false},
    {"a,b", false},
    {"!a", false},
};

static const validity_case value_cases[] = {
    /* Upstream TestIsLabelValue. */
    {"simple", true},
    {"now-with-dashes", true},
    {"1-starts-with-num", true},
    {"end-with-num-1", true},
    {"1234", true},
    {"", true},
    {"nospecialchars%^=@", false},
    {"Tama-nui-te-r\xc4\x81.is.M\xc4\x81ori.sun", false},
    {"\\backslashes\\are\\bad", false},
    {"-starts-with-dash", false},
    {"ends-with-dash-", false},
    {".starts.with.dot", false},
    {"ends.with.dot.", false},
    /* More shapes. */
    {"a", true},
    {"0", true},
    {"A_b.C-d", true},
    {"a..b", true},
    {"in", true},
    {"a b", false},
    {"_a", false},
    {"a_", false},
    {"a/b", false},
    {"a:b", false},
    {"-1", false},
    {"+1", false},
};

/* Whether `text` lexes as a single identifier in the string form, so that
 * it can stand as a key or value there. */
static bool single_identifier(const char *text)
{
    return text[0] != '\0' && strpbrk(text, "=!(),<> \t\r\n") == NULL;
}

static hpac_selector *exists_selector_json(const char *key, char *err, size_t errsize)
{
    json_t *j = json_pack("{s:[{s:s,s:s}]}", "matchExpressions", "key", key, "operator", "Exists");
    assert_non_null(j);
    hpac_selector *sel = hpac_selector_from_json(j, err, errsize);
    json_decref(j);
    return sel;
}

static void check_key(const char *table, size_t row, const char *key, bool valid)
{
    char err[ERR_SIZE] = "";
    hpac_selector *sel = exists_selector_json(key, err, sizeof(err));
    if ((sel != NULL) != valid)
        report(table, row, key, valid ? err : "accepted in matchExpressions");
    if (!valid && !sel && !strstr(err, "matchExpressions[0].key: invalid label key"))
        report(table, row, key, err);
    hpac_selector_free(sel);

    json_t *j = json_pack("{s:{s:s}}", "matchLabels", key, "v");
    assert_non_null(j);
    sel = hpac_selector_from_json(j, err, sizeof(err));
    if ((sel != NULL) != valid)
        report(table, row, key, valid ? err : "accepted in matchLabels");
    hpac_selector_free(sel);
    json_decref(j);

    if (single_identifier(key)) {
        sel = hpac_selector_parse(key, err, sizeof(err));
        if ((sel != NULL) != valid)
            report(table, row, key, valid ? err : "accepted in the string form");
        if (!valid && !sel && !strstr(err, "invalid label key"))
            report(table, row, key, err);
        hpac_selector_free(sel);
    }
}

static void test_labels__keys(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++)
        check_key("keys", i, key_cases[i].text, key_cases[i].valid);

    /* Length limits: a name of 63 bytes, a prefix of 253. */
    char *a63 = repeat('a', 63);
    char *a64 = repeat('a', 64);
    char *a253 = repeat('a', 253);
    char *a254 = repeat('a', 254);
    char key[600];
    check_key("key_limits", 0, a63, true);
    check_key("key_limits", 1, a64, false);
    snprintf(key, sizeof(key), "%s/%s", a253, a63);
    check_key("key_limits", 2, key, true);
    snprintf(key, sizeof(key), "%s/abc", a254);
    check_key("key_limits", 3, key, false);
    snprintf(key, sizeof(key), "%s/%s", a253, a64);
    check_key("key_limits", 4, key, false);
    /* A subdomain label has no 63-byte rule of its own, only the total. */
    snprintf(key, sizeof(key), "%s.example.com/a", a64);
    check_key("key_limits", 5, key, true);

    char err[ERR_SIZE] = "";
    hpac_selector *sel = hpac_selector_parse(a64, err, sizeof(err));
    assert_null(sel);
    assert_non_null(strstr(err, "name part must be no more than 63 bytes"));
    /* The message quotes a bounded part of a long key. */
    sel = hpac_selector_parse(a254, err, sizeof(err));
    assert_null(sel);
    assert_non_null(strstr(err, "name part must be no more than 63 bytes"));
    assert_non_null(strstr(err, "\"..."));
    assert_true(strlen(err) < 300);
    snprintf(key, sizeof(key), "%s/abc", a254);
    sel = hpac_selector_parse(key, err, sizeof(err));
    assert_null(sel);
    assert_non_null(strstr(err, "prefix part must be no more than 253 bytes"));

    free(a63);
    free(a64);
    free(a253);
    free(a254);
    assert_int_equal(failures, 0);
}

static void check_value(const char *table, size_t row, const char *value, bool valid)
{
    char err[ERR_SIZE] = "";
    json_t *j = json_pack("{s:{s:s}}", "matchLabels", "k", value);
    assert_non_null(j);
    hpac_selector *sel = hpac_selector_from_json(j, err, sizeof(err));
    if ((sel != NULL) != valid)
        report(table, row, value, valid ? err : "accepted in matchLabels");
    if (!valid && !sel && !strstr(err, "matchLabels[\"k\"]: invalid label value"))
        report(table, row, value, err);
    hpac_selector_free(sel);
    json_decref(j);

    j = json_pack("{s:[{s:s,s:s,s:[s]}]}", "matchExpressions", "key", "k", "operator", "NotIn",
                  "values", value);
    assert_non_null(j);
    sel = hpac_selector_from_json(j, err, sizeof(err));
    if ((sel != NULL) != valid)
        report(table, row, value, valid ? err : "accepted in matchExpressions");
    if (!valid && !sel && !strstr(err, "matchExpressions[0].values[0]: invalid label value"))
        report(table, row, value, err);
    hpac_selector_free(sel);
    json_decref(j);

    if (value[0] == '\0' || single_identifier(value)) {
        char text[256];
        snprintf(text, sizeof(text), "k=%s", value);
        sel = hpac_selector_parse(text, err, sizeof(err));
        if ((sel != NULL) != valid)
            report(table, row, text, valid ? err : "accepted in the string form");
        hpac_selector_free(sel);
        snprintf(text, sizeof(text), "k in (%s)", value);
        sel = hpac_selector_parse(text, err, sizeof(err));
        if ((sel != NULL) != valid)
            report(table, row, text, valid ? err : "accepted in the string form");
        hpac_selector_free(sel);
    }
}

static void test_labels__values(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++)
        check_value("values", i, value_cases[i].text, value_cases[i].valid);
    char *a63 = repeat('a', 63);
    char *a64 = repeat('a', 64);
    check_value("value_limits", 0, a63, true);
    check_value("value_limits", 1, a64, false);
    free(a63);
    free(a64);
    assert_int_equal(failures, 0);
}

/* ------------------------------------------------ LabelSelector object */

typedef struct json_case {
    const char *json;
    const char *canonical; /* NULL: an error is wanted */
    const char *err;       /* a part the message must contain */
} json_case;

#define EXPR(body) "{\"matchExpressions\":[" body "]}"

static const json_case json_cases[] = {
    /* Upstream TestLabelSelectorAsSelector. */
    {"{}", "", NULL},
    {"{\"matchLabels\":{\"foo\":\"bar\"}}", "foo=bar", NULL},
    {EXPR("{\"key\":\"baz\",\"operator\":\"In\",\"values\":[\"qux\",\"norf\"]}"),
     "baz in (norf,qux)", NULL},
    {"{\"matchLabels\":{\"foo\":\"bar\"},\"matchExpressions\":[{\"key\":\"baz\",\"operator\":"
     "\"In\",\"values\":[\"qux\",\"norf\"]}]}",
     "baz in (norf,qux),foo=bar", NULL},
    {EXPR("{\"key\":\"baz\",\"operator\":\"Exists\",\"values\":[\"qux\",\"norf\"]}"), NULL,
     "matchExpressions[0].values: must be empty for operator Exists"},
    /* Empty parts select everything. */
    {"{\"matchLabels\":{}}", "", NULL},
    {"{\"matchExpressions\":[]}", "", NULL},
    {"{\"matchLabels\":null,\"matchExpressions\":null}", "", NULL},
    {"{\"matchLabels\":{},\"matchExpressions\":[]}", "", NULL},
    /* Operators. */
    {EXPR("{\"key\":\"baz\",\"operator\":\"Exists\"}"), "baz", NULL},
    {EXPR("{\"key\":\"baz\",\"operator\":\"Exists\",\"values\":[]}"), "baz", NULL},
    {EXPR("{\"key\":\"baz\",\"operator\":\"Exists\",\"values\":null}"), "baz", NULL},
    {EXPR("{\"key\":\"baz\",\"operator\":\"DoesNotExist\"}"), "!baz", NULL},
    {EXPR("{\"key\":\"baz\",\"operator\":\"NotIn\",\"values\":[\"b\",\"a\"]}"), "baz notin (a,b)",
     NULL},
    {EXPR("{\"key\":\"baz\",\"operator\":\"In\",\"values\":[\"\"]}"), "baz in ()", NULL},
    {EXPR("{\"key\":\"baz\",\"operator\":\"In\",\"values\":[\"a\",\"\"]}"), "baz in (,a)", NULL},
    /* The object form keeps repeated values, as upstream prints them. */
    {EXPR("{\"key\":\"baz\",\"operator\":\"In\",\"values\":[\"b\",\"a\",\"b\"]}"),
     "baz in (a,b,b)", NULL},
    /* Sorting: matchLabels by key, then expressions in order per key. */
    {"{\"matchLabels\":{\"b\":\"2\",\"a\":\"1\",\"c\":\"3\"}}", "a=1,b=2,c=3", NULL},
    {"{\"matchLabels\":{\"app\":\"\"}}", "app=", NULL},
    {"{\"matchLabels\":{\"x\":\"a\"},\"matchExpressions\":[{\"key\":\"x\",\"operator\":"
     "\"Exists\"}]}",
     "x=a,x", NULL},
    {EXPR("{\"key\":\"x\",\"operator\":\"DoesNotExist\"},{\"key\":\"x\",\"operator\":\"Exists\"}"),
     "!x,x", NULL},
    {EXPR("{\"key\":\"z\",\"operator\":\"Exists\"},{\"key\":\"a\",\"operator\":\"In\","
          "\"values\":[\"1\"]},{\"key\":\"m\",\"operator\":\"NotIn\",\"values\":[\"2\"]}"),
     "a in (1),m notin (2),z", NULL},
    {"{\"matchLabels\":{\"app.kubernetes.io/name\":\"web\",\"tier\":\"front\"},"
     "\"matchExpressions\":[{\"key\":\"canary\",\"operator\":\"DoesNotExist\"}]}",
     "app.kubernetes.io/name=web,!canary,tier=front", NULL},
    /* Unknown fields are ignored, as the API's decoder drops them. */
    {"{\"foo\":1,\"matchLabels\":{\"a\":\"b\"}}", "a=b", NULL},
    {EXPR("{\"key\":\"a\",\"operator\":\"Exists\",\"extra\":true}"), "a", NULL},
    /* The whole object. */
    {"[]", NULL, "label selector: expected an object"},
    {"\"app=web\"", NULL, "label selector: expected an object"},
    {"1", NULL, "label selector: expected an object"},
    {"true", NULL, "label selector: expected an object"},
    /* matchLabels. */
    {"{\"matchLabels\":[]}", NULL, "matchLabels: expected an object"},
    {"{\"matchLabels\":\"a=b\"}", NULL, "matchLabels: expected an object"},
    {"{\"matchLabels\":{\"a\":1}}", NULL, "matchLabels[\"a\"]: expected a string"},
    {"{\"matchLabels\":{\"a\":null}}", NULL, "matchLabels[\"a\"]: expected a string"},
    {"{\"matchLabels\":{\"a\":[\"b\"]}}", NULL, "matchLabels[\"a\"]: expected a string"},
    {"{\"matchLabels\":{\"a b\":\"c\"}}", NULL, "matchLabels[\"a b\"]: invalid label key"},
    {"{\"matchLabels\":{\"\":\"c\"}}", NULL, "matchLabels[\"\"]: invalid label key: name part"},
    {"{\"matchLabels\":{\"a\":\"b c\"}}", NULL,
     "matchLabels[\"a\"]: invalid label value \"b c\": must be empty or consist"},
    {"{\"matchLabels\":{\"a\":\"-b\"}}", NULL, "matchLabels[\"a\"]: invalid label value \"-b\""},
    {"{\"matchLabels\":{\"a\":\"x\\u0000y\"}}", NULL, "matchLabels[\"a\"]: holds a NUL byte"},
    /* matchExpressions. */
    {"{\"matchExpressions\":{}}", NULL, "matchExpressions: expected an array"},
    {"{\"matchExpressions\":\"a\"}", NULL, "matchExpressions: expected an array"},
    {EXPR("1"), NULL, "matchExpressions[0]: expected an object"},
    {EXPR("null"), NULL, "matchExpressions[0]: expected an object"},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\"]},null"), NULL,
     "matchExpressions[1]: expected an object"},
    {EXPR("{\"key\":\"a\",\"operator\":\"Foo\"}"), NULL,
     "matchExpressions[0].operator: \"Foo\" is not a valid label selector operator"},
    {EXPR("{\"key\":\"a\",\"operator\":\"in\",\"values\":[\"x\"]}"), NULL,
     "matchExpressions[0].operator: \"in\" is not a valid label selector operator"},
    {EXPR("{\"key\":\"a\",\"operator\":\"Equals\",\"values\":[\"x\"]}"), NULL,
     "\"Equals\" is not a valid label selector operator"},
    {EXPR("{\"key\":\"a\",\"operator\":\"Gt\",\"values\":[\"1\"]}"), NULL,
     "\"Gt\" is not a valid label selector operator"},
    {EXPR("{\"key\":\"a\",\"operator\":\"=\",\"values\":[\"x\"]}"), NULL,
     "\"=\" is not a valid label selector operator"},
    {EXPR("{\"key\":\"a\"}"), NULL,
     "matchExpressions[0].operator: \"\" is not a valid label selector operator"},
    {EXPR("{\"key\":\"a\",\"operator\":null}"), NULL, "\"\" is not a valid label selector"},
    {EXPR("{\"key\":\"a\",\"operator\":1}"), NULL,
     "matchExpressions[0].operator: expected a string"},
    {EXPR("{\"operator\":\"Exists\"}"), NULL,
     "matchExpressions[0].key: invalid label key \"\": name part must be non-empty"},
    {EXPR("{\"key\":5,\"operator\":\"Exists\"}"), NULL,
     "matchExpressions[0].key: expected a string"},
    {EXPR("{\"key\":\"a b\",\"operator\":\"Exists\"}"), NULL,
     "matchExpressions[0].key: invalid label key \"a b\""},
    {EXPR("{\"key\":\"Example.com/a\",\"operator\":\"Exists\"}"), NULL,
     "matchExpressions[0].key: invalid label key \"Example.com/a\": prefix part"},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\"}"), NULL,
     "matchExpressions[0].values: must be non-empty for operator In"},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\",\"values\":null}"), NULL,
     "matchExpressions[0].values: must be non-empty for operator In"},
    {EXPR("{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[]}"), NULL,
     "matchExpressions[0].values: must be non-empty for operator NotIn"},
    {EXPR("{\"key\":\"a\",\"operator\":\"DoesNotExist\",\"values\":[\"x\"]}"), NULL,
     "matchExpressions[0].values: must be empty for operator DoesNotExist"},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\",\"values\":\"x\"}"), NULL,
     "matchExpressions[0].values: expected an array"},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\",\"values\":{}}"), NULL,
     "matchExpressions[0].values: expected an array"},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\",\"values\":[1]}"), NULL,
     "matchExpressions[0].values[0]: expected a string"},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\",null]}"), NULL,
     "matchExpressions[0].values[1]: expected a string"},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\",\"b c\"]}"), NULL,
     "matchExpressions[0].values[1]: invalid label value \"b c\""},
    {EXPR("{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\\u0000\"]}"), NULL,
     "matchExpressions[0].values[0]: holds a NUL byte"},
    {EXPR("{\"key\":\"a\",\"operator\":\"Exists\"},{\"key\":\"b\",\"operator\":\"Nope\"}"), NULL,
     "matchExpressions[1].operator: \"Nope\" is not a valid"},
    {"{\"matchLabels\":{\"a\":\"b\"},\"matchExpressions\":[{\"key\":\"-c\",\"operator\":"
     "\"Exists\"}]}",
     NULL, "matchExpressions[0].key: invalid label key \"-c\""},
};

static void test_labels__from_json(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
        const json_case *c = &json_cases[i];
        json_t *j = json_of(c->json);
        char err[ERR_SIZE] = "";
        hpac_selector *sel = hpac_selector_from_json(j, err, sizeof(err));
        json_decref(j);
        if (c->canonical && !sel) {
            report("json", i, c->json, err);
            continue;
        }
        if (!c->canonical) {
            if (sel) {
                report("json", i, c->json, "accepted, want an error");
            } else if (!strstr(err, c->err)) {
                char what[ERR_SIZE * 2 + 32];
                snprintf(what, sizeof(what), "error \"%s\" lacks \"%s\"", err, c->err);
                report("json", i, c->json, what);
            }
            hpac_selector_free(sel);
            continue;
        }
        char *got = hpac_selector_to_string(sel);
        assert_non_null(got);
        if (strcmp(got, c->canonical) != 0) {
            char what[ERR_SIZE];
            snprintf(what, sizeof(what), "got \"%s\", want \"%s\"", got, c->canonical);
            report("json", i, c->json, what);
        }
        if (hpac_selector_is_everything(sel) != (c->canonical[0] == '\0'))
            report("json", i, c->json, "is_everything disagrees");
        if (hpac_selector_is_nothing(sel))
            report("json", i, c->json, "reports nothing");
        free(got);
        hpac_selector_free(sel);
    }
    assert_int_equal(failures, 0);
}

typedef struct json_match_case {
    const char *selector; /* LabelSelector JSON */
    const char *labels;
    bool want;
} json_match_case;

static const json_match_case json_match_cases[] = {
    {"{}", "{}", true},
    {"{}", "{\"a\":\"b\"}", true},
    {"null", "{}", false},
    {"null", "{\"a\":\"b\"}", false},
    {"{\"matchLabels\":{\"app\":\"web\"}}", "{\"app\":\"web\",\"x\":\"y\"}", true},
    {"{\"matchLabels\":{\"app\":\"web\"}}", "{\"app\":\"api\"}", false},
    {"{\"matchLabels\":{\"app\":\"web\"}}", "{}", false},
    {"{\"matchLabels\":{\"app\":\"web\",\"tier\":\"front\"}}", "{\"app\":\"web\"}", false},
    {"{\"matchLabels\":{\"app\":\"\"}}", "{\"app\":\"\"}", true},
    {"{\"matchLabels\":{\"app\":\"\"}}", "{}", false},
    {EXPR("{\"key\":\"t\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]}"), "{\"t\":\"b\"}", true},
    {EXPR("{\"key\":\"t\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]}"), "{\"t\":\"c\"}", false},
    {EXPR("{\"key\":\"t\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]}"), "{}", false},
    {EXPR("{\"key\":\"t\",\"operator\":\"NotIn\",\"values\":[\"a\",\"b\"]}"), "{}", true},
    {EXPR("{\"key\":\"t\",\"operator\":\"NotIn\",\"values\":[\"a\",\"b\"]}"), "{\"t\":\"a\"}",
     false},
    {EXPR("{\"key\":\"t\",\"operator\":\"NotIn\",\"values\":[\"a\",\"b\"]}"), "{\"t\":\"c\"}",
     true},
    {EXPR("{\"key\":\"t\",\"operator\":\"Exists\"}"), "{\"t\":\"\"}", true},
    {EXPR("{\"key\":\"t\",\"operator\":\"Exists\"}"), "{\"u\":\"\"}", false},
    {EXPR("{\"key\":\"t\",\"operator\":\"DoesNotExist\"}"), "{\"u\":\"\"}", true},
    {EXPR("{\"key\":\"t\",\"operator\":\"DoesNotExist\"}"), "{\"t\":\"x\"}", false},
    {EXPR("{\"key\":\"t\",\"operator\":\"In\",\"values\":[\"b\",\"a\",\"b\",\"c\",\"a\"]}"),
     "{\"t\":\"c\"}", true},
    {"{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"canary\",\"operator\":"
     "\"DoesNotExist\"}]}",
     "{\"app\":\"web\",\"canary\":\"1\"}", false},
    {"{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"canary\",\"operator\":"
     "\"DoesNotExist\"}]}",
     "{\"app\":\"web\"}", true},
};

static void test_labels__from_json_match(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(json_match_cases) / sizeof(json_match_cases[0]); i++) {
        const json_match_case *c = &json_match_cases[i];
        json_t *j = json_of(c->selector);
        char err[ERR_SIZE] = "";
        hpac_selector *sel = hpac_selector_from_json(j, err, sizeof(err));
        json_decref(j);
        if (!sel) {
            report("json_match", i, c->selector, err);
            continue;
        }
        hpac_labels labels = labels_of(c->labels);
        if (hpac_selector_matches(sel, &labels) != c->want)
            report("json_match", i, c->selector, c->want ? "did not match" : "matched");
        hpac_labels_clear(&labels);
        hpac_selector_free(sel);
    }
    assert_int_equal(failures, 0);
}

/* ------------------------------------------- everything and nothing */

static void test_labels__everything_and_nothing(void **state)
{
    hpac_labels some = labels_of("{\"x\":\"y\"}");
    hpac_labels none = {NULL, 0};
    char err[ERR_SIZE] = "";

    hpac_selector *all = hpac_selector_everything();
    assert_non_null(all);
    assert_true(hpac_selector_is_everything(all));
    assert_false(hpac_selector_is_nothing(all));
    assert_true(hpac_selector_matches(all, &some));
    assert_true(hpac_selector_matches(all, &none));
    assert_true(hpac_selector_matches(all, NULL));
    char *s = hpac_selector_to_string(all);
    assert_string_equal(s, "");
    free(s);
    hpac_selector_free(all);

    /* A null LabelSelector (absent or JSON null) selects nothing. */
    json_t *null = json_null();
    const json_t *nulls[] = {NULL, null};
    for (size_t i = 0; i < 2; i++) {
        hpac_selector *nothing = hpac_selector_from_json(nulls[i], err, sizeof(err));
        assert_non_null(nothing);
        assert_true(hpac_selector_is_nothing(nothing));
        assert_false(hpac_selector_is_everything(nothing));
        assert_false(hpac_selector_matches(nothing, &some));
        assert_false(hpac_selector_matches(nothing, &none));
        assert_false(hpac_selector_matches(nothing, NULL));
        /* Upstream prints it as "" too; callers check is_nothing first. */
        s = hpac_selector_to_string(nothing);
        assert_string_equal(s, "");
        free(s);
        hpac_selector_free(nothing);
    }
    json_decref(null);

    /* "" and NULL parse to everything; a NULL selector selects nothing. */
    hpac_selector *empty = hpac_selector_parse("", err, sizeof(err));
    assert_true(hpac_selector_is_everything(empty));
    hpac_selector_free(empty);
    empty = hpac_selector_parse(NULL, err, sizeof(err));
    assert_non_null(empty);
    assert_true(hpac_selector_is_everything(empty));
    hpac_selector_free(empty);
    assert_false(hpac_selector_matches(NULL, &some));
    assert_true(hpac_selector_is_nothing(NULL));
    assert_false(hpac_selector_is_everything(NULL));
    hpac_selector_free(NULL);

    /* A selector with requirements is neither. */
    hpac_selector *sel = hpac_selector_parse("x", err, sizeof(err));
    assert_false(hpac_selector_is_everything(sel));
    assert_false(hpac_selector_is_nothing(sel));
    assert_true(hpac_selector_matches(sel, &some));
    assert_false(hpac_selector_matches(sel, NULL));
    hpac_selector_free(sel);
    sel = hpac_selector_parse("!x", err, sizeof(err));
    assert_true(hpac_selector_matches(sel, NULL));
    hpac_selector_free(sel);

    hpac_labels_clear(&some);
}

/* The error buffer may be absent or small; messages are cut, never
 * overrun, and always terminated. */
static void test_labels__error_buffer(void **state)
{
    assert_null(hpac_selector_parse("x in (", NULL, 0));
    char tiny[8];
    memset(tiny, 'Z', sizeof(tiny));
    assert_null(hpac_selector_parse("x in (", tiny, sizeof(tiny)));
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
    assert_memory_equal(tiny, "unexpec", 7);

    char one[1] = {'Z'};
    assert_null(hpac_selector_parse("-", one, sizeof(one)));
    assert_int_equal(one[0], '\0');

    char untouched[4] = "abc";
    assert_null(hpac_selector_parse("-", untouched, 0));
    assert_string_equal(untouched, "abc");

    json_t *bad = json_of("{\"matchLabels\":1}");
    assert_null(hpac_selector_from_json(bad, NULL, 0));
    json_decref(bad);

    /* Control bytes in the offending text come back escaped. */
    char err[ERR_SIZE] = "";
    assert_null(hpac_selector_parse("a\x01", err, sizeof(err)));
    assert_non_null(strstr(err, "\"a\\x01\""));
}

/* ---------------------------------------------------------- label sets */

static void test_labels__labels_from_json(void **state)
{
    char err[ERR_SIZE] = "";
    hpac_labels labels = {NULL, 0};

    /* Sorted by key, whatever the order in the object. */
    json_t *j = json_of("{\"b\":\"2\",\"c\":\"3\",\"a\":\"1\",\"B\":\"0\",\"a.b\":\"\"}");
    assert_int_equal(hpac_labels_from_json(j, &labels, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(labels.count, 5);
    const char *keys[] = {"B", "a", "a.b", "b", "c"};
    const char *values[] = {"0", "1", "", "2", "3"};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(labels.items[i].key, keys[i]);
        assert_string_equal(labels.items[i].value, values[i]);
        assert_string_equal(hpac_labels_get(&labels, keys[i]), values[i]);
    }
    assert_null(hpac_labels_get(&labels, "A"));
    assert_null(hpac_labels_get(&labels, "d"));
    assert_null(hpac_labels_get(&labels, ""));
    assert_null(hpac_labels_get(&labels, "a.c"));
    assert_null(hpac_labels_get(&labels, NULL));
    hpac_labels_clear(&labels);
    assert_int_equal(labels.count, 0);
    assert_null(labels.items);
    hpac_labels_clear(&labels); /* twice is harmless */
    hpac_labels_clear(NULL);

    /* Absent, null and {} give empty sets. */
    assert_int_equal(hpac_labels_from_json(NULL, &labels, err, sizeof(err)), 0);
    assert_int_equal(labels.count, 0);
    j = json_null();
    assert_int_equal(hpac_labels_from_json(j, &labels, err, sizeof(err)), 0);
    assert_int_equal(labels.count, 0);
    json_decref(j);
    j = json_object();
    assert_int_equal(hpac_labels_from_json(j, &labels, err, sizeof(err)), 0);
    assert_int_equal(labels.count, 0);
    assert_null(hpac_labels_get(&labels, "a"));
    json_decref(j);
    assert_null(hpac_labels_get(NULL, "a"));

    /* Wrong shapes fail, name the key, and leave the set empty. */
    static const struct {
        const char *json;
        const char *err;
    } bad[] = {
        {"[]", "expected an object"},
        {"\"a\"", "expected an object"},
        {"1", "expected an object"},
        {"{\"a\":\"1\",\"b\":2}", "labels[\"b\"]: expected a string"},
        {"{\"a\":null}", "labels[\"a\"]: expected a string"},
        {"{\"a\":{}}", "labels[\"a\"]: expected a string"},
        {"{\"a\":true}", "labels[\"a\"]: expected a string"},
        {"{\"a\":\"x\\u0000\"}", "labels[\"a\"]: value holds a NUL byte"},
    };
    failures = 0;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        j = json_of(bad[i].json);
        labels.items = (hpac_label *)&labels; /* junk the call must overwrite */
        labels.count = 42;
        int rc = hpac_labels_from_json(j, &labels, err, sizeof(err));
        json_decref(j);
        if (rc != -1)
            report("labels_bad", i, bad[i].json, "accepted");
        else if (!strstr(err, bad[i].err))
            report("labels_bad", i, bad[i].json, err);
        if (labels.items != NULL || labels.count != 0)
            report("labels_bad", i, bad[i].json, "set not left empty");
    }
    assert_int_equal(failures, 0);
}

/* The JSON parser refuses NUL bytes in keys, but an object built in code
 * can hold them; C strings cannot, so such keys are refused, not cut. */
static void test_labels__nul_in_keys(void **state)
{
    char err[ERR_SIZE] = "";
    json_t *obj = json_object();
    assert_non_null(obj);
    assert_int_equal(json_object_setn_new(obj, "a\0b", 3, json_string("x")), 0);
    hpac_labels labels = {NULL, 0};
    assert_int_equal(hpac_labels_from_json(obj, &labels, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "labels[\"a\\x00b\"]: key holds a NUL byte"));
    assert_int_equal(labels.count, 0);

    json_t *sel_json = json_pack("{s:O}", "matchLabels", obj);
    assert_non_null(sel_json);
    assert_null(hpac_selector_from_json(sel_json, err, sizeof(err)));
    assert_non_null(strstr(err, "matchLabels[\"a\\x00b\"]: invalid label key: holds a NUL byte"));
    json_decref(sel_json);
    json_decref(obj);
}

/* Binary search agrees with the set's contents over many keys. */
static void test_labels__labels_lookup_many(void **state)
{
    enum { N = 1000 };
    json_t *j = json_object();
    assert_non_null(j);
    char key[32];
    char value[32];
    /* Insert in a scrambled order (7919 is prime, so i*7919 mod N is a
     * permutation). */
    for (size_t i = 0; i < N; i++) {
        size_t k = (i * 7919) % N;
        snprintf(key, sizeof(key), "k%04zu", k * 2);
        snprintf(value, sizeof(value), "v%zu", k);
        assert_int_equal(json_object_set_new(j, key, json_string(value)), 0);
    }
    char err[ERR_SIZE] = "";
    hpac_labels labels = {NULL, 0};
    assert_int_equal(hpac_labels_from_json(j, &labels, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(labels.count, N);
    for (size_t i = 1; i < N; i++)
        assert_true(strcmp(labels.items[i - 1].key, labels.items[i].key) < 0);
    for (size_t k = 0; k < N; k++) {
        snprintf(key, sizeof(key), "k%04zu", k * 2);
        snprintf(value, sizeof(value), "v%zu", k);
        const char *got = hpac_labels_get(&labels, key);
        assert_non_null(got);
        assert_string_equal(got, value);
        /* Odd numbers fall between stored keys. */
        snprintf(key, sizeof(key), "k%04zu", k * 2 + 1);
        assert_null(hpac_labels_get(&labels, key));
    }
    assert_null(hpac_labels_get(&labels, "k"));
    assert_null(hpac_labels_get(&labels, "k9999"));
    assert_null(hpac_labels_get(&labels, "a"));
    assert_null(hpac_labels_get(&labels, "z"));

    /* A selector touching keys at both ends and the middle. */
    hpac_selector *sel = hpac_selector_parse("k0000=v0,k1998 in (v999),k1000,!k0001", err,
                                             sizeof(err));
    assert_non_null(sel);
    assert_true(hpac_selector_matches(sel, &labels));
    hpac_selector_free(sel);
    sel = hpac_selector_parse("k0000=v0,k1998 in (v998)", err, sizeof(err));
    assert_non_null(sel);
    assert_false(hpac_selector_matches(sel, &labels));
    hpac_selector_free(sel);
    hpac_labels_clear(&labels);
}

/* Many requirements on the same few keys keep their input order among
 * equal keys (a stable sort), and matching sees every one of them. */
static void test_labels__many_requirements(void **state)
{
    enum { N = 300 };
    char *text = malloc(N * 16);
    assert_non_null(text);
    size_t len = 0;
    for (size_t i = 0; i < N; i++)
        len += (size_t)sprintf(text + len, "%sk%zu!=v%zu", i ? "," : "", i % 3, i);
    char err[ERR_SIZE] = "";
    hpac_selector *sel = hpac_selector_parse(text, err, sizeof(err));
    assert_non_null(sel);
    char *out = hpac_selector_to_string(sel);
    assert_non_null(out);
    /* Expected: all k0 in input order, then k1, then k2. */
    char *want = malloc(N * 16);
    assert_non_null(want);
    size_t wlen = 0;
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = k; i < N; i += 3)
            wlen += (size_t)sprintf(want + wlen, "%sk%zu!=v%zu", wlen ? "," : "", k, i);
    }
    assert_string_equal(out, want);

    hpac_labels labels = labels_of("{\"k0\":\"x\",\"k1\":\"y\",\"k2\":\"z\"}");
    assert_true(hpac_selector_matches(sel, &labels));
    hpac_labels_clear(&labels);
    labels = labels_of("{\"k0\":\"x\",\"k1\":\"v298\",\"k2\":\"z\"}");
    assert_false(hpac_selector_matches(sel, &labels));
    hpac_labels_clear(&labels);

    free(want);
    free(out);
    free(text);
    hpac_selector_free(sel);
}

/* The parser holds only one token of lookahead: a long selector costs
 * time and memory in proportion to its requirements, and deep nesting has
 * nothing to recurse on. */
static void test_labels__long_input(void **state)
{
    enum { N = 20000 };
    char *text = malloc(N * 4 + 1);
    assert_non_null(text);
    for (size_t i = 0; i < N; i++)
        memcpy(text + i * 4, "((((", 4);
    text[N * 4] = '\0';
    char err[ERR_SIZE] = "";
    assert_null(hpac_selector_parse(text, err, sizeof(err)));
    assert_non_null(strstr(err, "unexpected token \"(\" at position 0"));

    /* One huge value set. */
    size_t len = (size_t)sprintf(text, "x in (");
    for (size_t i = 0; i < 5000 && len + 16 < N * 4; i++)
        len += (size_t)sprintf(text + len, "%sv%zu", i ? "," : "", i);
    sprintf(text + len, ")");
    hpac_selector *sel = hpac_selector_parse(text, err, sizeof(err));
    assert_non_null(sel);
    hpac_labels labels = labels_of("{\"x\":\"v4321\"}");
    assert_true(hpac_selector_matches(sel, &labels));
    hpac_labels_clear(&labels);
    labels = labels_of("{\"x\":\"v5000\"}");
    assert_false(hpac_selector_matches(sel, &labels));
    hpac_labels_clear(&labels);
    hpac_selector_free(sel);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels__parse_valid),
        cmocka_unit_test(test_labels__canonical_round_trip),
        cmocka_unit_test(test_labels__parse_invalid),
        cmocka_unit_test(test_labels__match),
        cmocka_unit_test(test_labels__keys),
        cmocka_unit_test(test_labels__values),
        cmocka_unit_test(test_labels__from_json),
        cmocka_unit_test(test_labels__from_json_match),
        cmocka_unit_test(test_labels__everything_and_nothing),
        cmocka_unit_test(test_labels__error_buffer),
        cmocka_unit_test(test_labels__labels_from_json),
        cmocka_unit_test(test_labels__nul_in_keys),
        cmocka_unit_test(test_labels__labels_lookup_many),
        cmocka_unit_test(test_labels__many_requirements),
        cmocka_unit_test(test_labels__long_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
