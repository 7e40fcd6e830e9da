/*
 * Time and peak memory of writing an .xls list with td_xls.
 *
 *     xls_bench OUT.xls [ROWS] [typical|unique]
 *
 * Writes ROWS (default 1,000,000) rows of 8 columns like the lists sent to
 * the police: number, name, CCCD (text), date of birth, address, parcel
 * number, area, note. "typical" repeats names, addresses and notes as real
 * lists do (the CCCD is unique); "unique" makes every string distinct, the
 * worst case for the shared string table. Prints seconds, peak RSS and size.
 */
#include "xls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static const char *const family[] = {"Nguyễn", "Trần", "Lê",  "Phạm", "Hoàng", "Huỳnh", "Phan",  "Vũ",
				     "Võ",     "Đặng", "Bùi", "Đỗ",   "Hồ",    "Ngô",   "Dương", "Lý"};
static const char *const middle[] = {"Văn",  "Thị",  "Hữu",  "Đức", "Minh", "Thanh",
				     "Ngọc", "Quốc", "Hồng", "Thu", "Xuân", "Công"};
static const char *const given[] = {"An",    "Bình", "Châu", "Dũng", "Đức",  "Giang", "Hà",    "Hải",
				    "Hạnh",  "Hùng", "Khoa", "Lan",  "Linh", "Long",  "Mai",   "Nam",
				    "Nhung", "Phúc", "Quân", "Sơn",  "Tâm",  "Thảo",  "Trang", "Tuấn"};
static const char *const ward[] = {"Lê Chân", "Hồng Bàng", "Ngô Quyền",  "Kiến An",
				   "Hải An",  "Đồ Sơn",    "Dương Kinh", "An Dương"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *head[] = {"STT",     "Họ và tên", "Số CCCD",        "Ngày sinh",
			      "Địa chỉ", "Số thửa",   "Diện tích (m²)", "Ghi chú"};
	long rows = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
	int unique = argc > 3 && strcmp(argv[3], "unique") == 0;
	td_xls *x = NULL;
	td_error err;
	struct rusage ru;
	struct stat st;
	double t0 = now(), t1;
	char name[128], cccd[32], addr[128], note[128];

	if (argc < 2 || rows < 1) {
		fprintf(stderr, "usage: xls_bench OUT.xls [ROWS] [typical|unique]\n");
		return 2;
	}
	td_error_init(&err);
	if (td_xls_new(argv[1], &x, &err) != TD_OK || td_xls_add_sheet(x, "Danh sách", &err) != TD_OK ||
	    td_xls_set_header(x, head, 8, &err) != TD_OK)
		goto fail;
	for (long i = 1; i <= rows; i++) {
		unsigned long h = (unsigned long)i * 2654435761u;

		snprintf(name, sizeof(name), "%s %s %s", family[h % N(family)], middle[(h >> 8) % N(middle)],
			 given[(h >> 16) % N(given)]);
		snprintf(cccd, sizeof(cccd), "0%02lu%09ld", h % 96, i);
		snprintf(addr, sizeof(addr), "Tổ %lu, phường %s", (h >> 4) % 60 + 1, ward[(h >> 12) % N(ward)]);
		snprintf(note, sizeof(note), "%s", i % 3 ? "Đã cấp giấy chứng nhận" : "Chưa cấp");
		if (unique) {
			size_t n = strlen(name), a = strlen(addr), k = strlen(note);
			snprintf(name + n, sizeof(name) - n, " %ld", i);
			snprintf(addr + a, sizeof(addr) - a, " số %ld", i);
			snprintf(note + k, sizeof(note) - k, " hồ sơ %ld", i);
		}
		if (td_xls_write_number(x, 0, (double)i, &err) != TD_OK ||
		    td_xls_write_string(x, 1, name, &err) != TD_OK || td_xls_write_text(x, 2, cccd, &err) != TD_OK ||
		    td_xls_write_date(x, 3, 1940 + (int)(h % 66), 1 + (int)(h % 12), 1 + (int)(h % 28), &err) !=
			    TD_OK ||
		    td_xls_write_string(x, 4, addr, &err) != TD_OK ||
		    td_xls_write_number(x, 5, (double)(h % 900 + 1), &err) != TD_OK ||
		    td_xls_write_number(x, 6, (double)(h % 100000) / 100.0, &err) != TD_OK ||
		    td_xls_write_string(x, 7, note, &err) != TD_OK || td_xls_end_row(x, &err) != TD_OK)
			goto fail;
	}
	t1 = now();
	if (td_xls_close(x, &err) != TD_OK) {
		fprintf(stderr, "xls_bench: %s\n", err.msg);
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	if (stat(argv[1], &st) != 0)
		st.st_size = 0;
	printf("%ld rows x 8 columns (%s): rows %.2f s, close %.2f s, total %.2f s, "
	       "peak RSS %.0f MB, file %.1f MB\n",
	       rows, unique ? "unique strings" : "typical", t1 - t0, now() - t1, now() - t0, ru.ru_maxrss / 1024.0,
	       st.st_size / 1048576.0);
	return 0;
fail:
	fprintf(stderr, "xls_bench: %s\n", err.msg);
	td_xls_free(x);
	return 1;
}
