#include "geohash.h"

#include <math.h>
#include <string.h>

const char td_geohash_alphabet[33] = "0123456789bcdefghjkmnpqrstuvwxyz";

static int value_of(char c)
{
	const char *p = c ? strchr(td_geohash_alphabet, c) : NULL;
	return p ? (int)(p - td_geohash_alphabet) : -1;
}

int td_geohash_encode(double lat, double lon, int len, char *out)
{
	double lat_lo = -90, lat_hi = 90, lon_lo = -180, lon_hi = 180;
	int bit = 0, ch = 0, n = 0, even = 1;

	out[0] = '\0';
	if (len < 1 || len > TD_GEOHASH_MAX || !(fabs(lat) <= 90) || !(fabs(lon) <= 180))
		return 0;
	while (n < len) {
		double *lo = even ? &lon_lo : &lat_lo, *hi = even ? &lon_hi : &lat_hi;
		double v = even ? lon : lat, mid = (*lo + *hi) / 2;
		ch <<= 1;
		if (v >= mid) {
			ch |= 1;
			*lo = mid;
		} else {
			*hi = mid;
		}
		even = !even;
		if (++bit == 5) {
			out[n++] = td_geohash_alphabet[ch];
			bit = ch = 0;
		}
	}
	out[n] = '\0';
	return 1;
}

int td_geohash_decode(const char *s, double *lat, double *lon, double *dlat, double *dlon)
{
	double lat_lo = -90, lat_hi = 90, lon_lo = -180, lon_hi = 180;
	int even = 1, n = 0;

	for (; s[n]; n++) {
		int v = value_of(s[n]);
		if (v < 0 || n >= TD_GEOHASH_MAX)
			return 0;
		for (int b = 4; b >= 0; b--) {
			double *lo = even ? &lon_lo : &lat_lo, *hi = even ? &lon_hi : &lat_hi;
			double mid = (*lo + *hi) / 2;
			if ((v >> b) & 1)
				*lo = mid;
			else
				*hi = mid;
			even = !even;
		}
	}
	if (n == 0)
		return 0;
	*lat = (lat_lo + lat_hi) / 2;
	*lon = (lon_lo + lon_hi) / 2;
	if (dlat)
		*dlat = (lat_hi - lat_lo) / 2;
	if (dlon)
		*dlon = (lon_hi - lon_lo) / 2;
	return n;
}

size_t td_geohash_bad_char(const char *s)
{
	for (size_t i = 0; s[i]; i++)
		if (value_of(s[i]) < 0)
			return i + 1;
	return 0;
}

int td_geohash_neighbour(const char *s, int dlat, int dlon, char *out)
{
	double lat, lon, hlat, hlon;
	int n = td_geohash_decode(s, &lat, &lon, &hlat, &hlon);

	out[0] = '\0';
	if (n == 0)
		return 0;
	lat += 2 * hlat * dlat;
	lon += 2 * hlon * dlon;
	if (lat < -90 || lat > 90 || lon < -180 || lon > 180)
		return 0;
	return td_geohash_encode(lat, lon, n, out);
}
