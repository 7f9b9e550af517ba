/* Kubernetes resource quantities ("500m", "1.5Gi", "2e3").
 *
 * A quantity is held exactly as mantissa * 10^exp10 after the same nano
 * round-up the API server applies when it parses one; anything whose value
 * does not fit that form in 64 bits is rejected rather than approximated.
 * Pure: no I/O, no global state. */
#ifndef HPAC_HPA_QUANTITY_H
#define HPAC_HPA_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

/* The typedef cannot share the name of hpac_quantity_format(): C keeps
 * typedefs and functions in one namespace. The enum tag keeps it. */
typedef enum hpac_quantity_format {
    HPAC_QTY_DECIMAL_SI,       /* "", n u m k M G T P E */
    HPAC_QTY_BINARY_SI,        /* Ki Mi Gi Ti Pi Ei */
    HPAC_QTY_DECIMAL_EXPONENT, /* e3, E-2 */
} hpac_quantity_fmt;

typedef enum hpac_quantity_error {
    HPAC_QTY_OK = 0,
    HPAC_QTY_ERR_FORMAT,   /* not a quantity: empty, bad characters, unknown suffix */
    HPAC_QTY_ERR_OVERFLOW, /* a quantity, but too large for 64-bit arithmetic */
} hpac_quantity_error;

typedef struct hpac_quantity {
    int64_t mantissa; /* value = mantissa * 10^exp10, normalised: no trailing zeros */
    int32_t exp10;    /* >= -9: values are rounded up (away from zero) to nano */
    hpac_quantity_fmt format;
} hpac_quantity;

/* Longest text hpac_quantity_format() writes, with its NUL. */
#define HPAC_QUANTITY_TEXT_MAX 48

/* Parses the resource.Quantity grammar. `text` is used as is (no trimming). */
hpac_quantity_error hpac_quantity_parse(const char *text, hpac_quantity *out);

/* Value in milli-units, rounded away from zero like upstream MilliValue(). */
hpac_quantity_error hpac_quantity_milli(const hpac_quantity *q, int64_t *milli);

/* Parse + milli in one call, for the common case of a request or a usage. */
hpac_quantity_error hpac_quantity_parse_milli(const char *text, int64_t *milli);

/* Canonical text, as upstream Quantity.String() writes it in q->format.
 * Writes at most `size` bytes including the NUL; returns the length it
 * needed (like snprintf). */
size_t hpac_quantity_format(const hpac_quantity *q, char *buf, size_t size);

/* Canonical DecimalSI text of a milli-value: what upstream writes for
 * resource.NewMilliQuantity(milli, DecimalSI), e.g. 6667m, 20, 3k. */
size_t hpac_quantity_format_milli(int64_t milli, char *buf, size_t size);

/* A short English description of an error code, for messages. */
const char *hpac_quantity_strerror(hpac_quantity_error err);

#endif
