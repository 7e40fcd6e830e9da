/*
 * GeoHash (G. Niemeyer, 2008): latitude and longitude bisected in turn,
 * longitude first, five bits per character of the base-32 alphabet
 * 0123456789bcdefghjkmnpqrstuvwxyz. Twelve characters make a cell of about
 * 3.7 cm x 1.9 cm. There is no check character.
 *
 *     char id[13];
 *     td_geohash_encode(20.86, 106.68, 12, id);          "w7er8u0evs8c"-like
 *     double lat, lon, dlat, dlon;
 *     if (td_geohash_decode(id, &lat, &lon, &dlat, &dlon) == 0) ... a character is not in the alphabet
 */
#ifndef TD_GEOHASH_H
#define TD_GEOHASH_H

#include <stddef.h>

#define TD_GEOHASH_MAX 22 /* characters; a double holds no more bits */

extern const char td_geohash_alphabet[33];

/*
 * Encode (lat, lon) in degrees into len characters (1..TD_GEOHASH_MAX) and
 * a NUL: out has len + 1 bytes. Returns 0 (and writes "") when len is out
 * of range or the point is not on the globe (|lat| > 90, |lon| > 180, NaN).
 */
int td_geohash_encode(double lat, double lon, int len, char *out);

/*
 * Decode a GeoHash into the centre of its cell and the half-sizes of the
 * cell (dlat, dlon may be NULL). Returns the number of characters read, or
 * 0 if s is empty, longer than TD_GEOHASH_MAX or holds a character outside
 * the alphabet (upper case included: the alphabet is lower case).
 */
int td_geohash_decode(const char *s, double *lat, double *lon, double *dlat, double *dlon);

/*
 * The position (1-based) of the first character of s that is not in the
 * alphabet, 0 if there is none.
 */
size_t td_geohash_bad_char(const char *s);

/*
 * The GeoHash of the cell next to s in direction (dlat, dlon) cells, each
 * -n..n, with the same length, into out (strlen(s) + 1 bytes). Returns 0 if
 * s is not a GeoHash or the neighbour is off the globe.
 */
int td_geohash_neighbour(const char *s, int dlat, int dlon, char *out);

#endif
