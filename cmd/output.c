/*
 * What thuadat prints, on its way out. stdout and stderr are replaced by
 * streams that pass whole lines through one filter: identity numbers are
 * masked ("031*******45") and control characters that came from data (a
 * register cell holding ESC [ 2 J must not clear the operator's terminal)
 * are shown as \xNN. With --log FILE every line is also appended to FILE
 * with a timestamp and the process id, between a "start" and an "exit"
 * line, so a nightly cron job leaves a log to read in the morning.
 */
#include "cli.h"
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct cli_stream {
	int fd;          /* where the filtered lines go */
	const char *tag; /* "" for stdout, "error: " style prefix in the log for stderr */
	char *line;      /* the unfinished line */
	size_t len, cap;
	int failed; /* a write to fd failed */
	struct cli_output *out;
};

struct cli_output {
	struct cli_stream std[2]; /* stdout, stderr */
	FILE *orig[2];            /* the C library's streams, put back at the end */
	int log_fd;               /* -1 without --log */
	int log_failed;
};

/* Append n bytes to fd, retrying short writes. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * s (n bytes, without its newline) masked and with control characters
 * shown, into a new string the caller frees. Tab stays; C1 controls
 * (U+0080..U+009F, which some terminals take as escapes) are shown too.
 */
static char *filter(const char *s, size_t n)
{
	char *masked = malloc(n + 1), *res = malloc(4 * n + 1);
	char *line = malloc(n + 1);
	size_t j = 0;

	if (!masked || !res || !line) {
		free(masked);
		free(res);
		free(line);
		return NULL;
	}
	memcpy(line, s, n);
	line[n] = '\0';
	td_identity_mask_text(line, masked, n + 1);
	for (size_t i = 0; masked[i]; i++) {
		unsigned char c = (unsigned char)masked[i];
		unsigned char next = (unsigned char)masked[i + 1];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			j += (size_t)snprintf(res + j, 5, "\\x%02x", c);
		} else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
			j += (size_t)snprintf(res + j, 5, "\\x%02x", next);
			i++;
		} else {
			res[j++] = (char)c;
		}
	}
	res[j] = '\0';
	free(masked);
	free(line);
	return res;
}

static void log_line(struct cli_output *o, const char *tag, const char *text)
{
	char stamp[64], head[128];
	struct tm tm;
	time_t now;
	int n;

	if (o->log_fd < 0)
		return;
	now = time(NULL);
	if (!localtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm))
		snprintf(stamp, sizeof(stamp), "%ld", (long)now);
	n = snprintf(head, sizeof(head), "%s thuadat[%ld]: %s", stamp, (long)getpid(), tag);
	/* One write per line: O_APPEND keeps lines of concurrent runs whole. */
	{
		size_t len = (size_t)n + strlen(text) + 1;
		char *all = malloc(len + 1);
		if (!all || (size_t)snprintf(all, len + 1, "%s%s\n", head, text) != len ||
		    write_all(o->log_fd, all, len) != 0)
			o->log_failed = 1;
		free(all);
	}
}

/* Send one finished line (without '\n'; nl says whether it had one). */
static int emit_line(struct cli_stream *s, const char *p, size_t n, int nl)
{
	char *text = filter(p, n);

	if (!text)
		return -1;
	if (write_all(s->fd, text, strlen(text)) != 0 || (nl && write_all(s->fd, "\n", 1) != 0))
		s->failed = 1;
	log_line(s->out, s->tag, text);
	free(text);
	return s->failed ? -1 : 0;
}

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
	struct cli_stream *s = cookie;
	size_t start = 0;

	for (size_t i = 0; i < size; i++) {
		if (buf[i] != '\n')
			continue;
		if (s->len) {
			/* The line began in an earlier write. */
			if (s->len + (i - start) + 1 > s->cap) {
				size_t cap = s->len + (i - start) + 1;
				char *grown = realloc(s->line, cap);
				if (!grown)
					return -1;
				s->line = grown;
				s->cap = cap;
			}
			memcpy(s->line + s->len, buf + start, i - start);
			s->len += i - start;
			if (emit_line(s, s->line, s->len, 1) != 0)
				return -1;
			s->len = 0;
		} else if (emit_line(s, buf + start, i - start, 1) != 0) {
			return -1;
		}
		start = i + 1;
	}
	if (start < size) {
		size_t need = s->len + (size - start);
		if (need > s->cap) {
			size_t cap = need * 2;
			char *grown = realloc(s->line, cap);
			if (!grown)
				return -1;
			s->line = grown;
			s->cap = cap;
		}
		memcpy(s->line + s->len, buf + start, size - start);
		s->len += size - start;
	}
	return (ssize_t)size;
}

static int stream_close(void *cookie)
{
	struct cli_stream *s = cookie;
	int rc = 0;

	if (s->len)
		rc = emit_line(s, s->line, s->len, 0);
	s->len = 0;
	free(s->line);
	s->line = NULL;
	return rc || s->failed ? -1 : 0;
}

int cli_output_start(td_cli *cli, const char *log_path)
{
	static const cookie_io_functions_t io = {NULL, stream_write, NULL, stream_close};
	struct cli_output *o = calloc(1, sizeof(*o));
	FILE *f[2] = {NULL, NULL};

	if (!o) {
		fprintf(stderr, "thuadat: error: out of memory\n");
		return EXIT_FAILURE_IO;
	}
	o->log_fd = -1;
	if (log_path) {
		/* The log quotes owners' names in messages: 0600 like every file with personal data. */
		o->log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (o->log_fd < 0) {
			fprintf(stderr, "thuadat: error: cannot open log file '%s': %s\n", log_path, strerror(errno));
			free(o);
			return EXIT_USAGE;
		}
	}
	for (int i = 0; i < 2; i++) {
		o->std[i].fd = i ? STDERR_FILENO : STDOUT_FILENO;
		o->std[i].tag = "";
		o->std[i].out = o;
		f[i] = fopencookie(&o->std[i], "w", io);
	}
	if (!f[0] || !f[1]) {
		if (f[0])
			fclose(f[0]);
		if (f[1])
			fclose(f[1]);
		if (o->log_fd >= 0)
			close(o->log_fd);
		free(o);
		fprintf(stderr, "thuadat: error: out of memory\n");
		return EXIT_FAILURE_IO;
	}
	/* stderr goes out as it is written; stdout by line on a terminal, as before. */
	setvbuf(f[1], NULL, _IONBF, 0);
	if (isatty(STDOUT_FILENO))
		setvbuf(f[0], NULL, _IOLBF, 0);
	o->orig[0] = stdout;
	o->orig[1] = stderr;
	stdout = f[0];
	stderr = f[1];
	cli->output = o;
	if (o->log_fd >= 0) {
		char *inv = filter(cli->invocation ? cli->invocation : "thuadat",
				   strlen(cli->invocation ? cli->invocation : "thuadat"));
		log_line(o, "start: ", inv ? inv : "thuadat");
		free(inv);
	}
	return EXIT_GOOD;
}

int cli_output_finish(td_cli *cli, int rc)
{
	static const char failed[] = "thuadat: error: cannot write to standard output\n";
	struct cli_output *o = cli->output;
	char msg[32];

	/* A full disk or a closed pipe must not pass as success. */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		rc = EXIT_FAILURE_IO;
		if (o)
			stdout = NULL;
		fputs(failed, stderr);
	}
	if (!o)
		return rc;
	stdout = o->orig[0];
	snprintf(msg, sizeof(msg), "%d", rc);
	log_line(o, "exit ", msg);
	fclose(stderr);
	stderr = o->orig[1];
	if (o->log_fd >= 0 && (close(o->log_fd) != 0 || o->log_failed)) {
		fprintf(stderr, "thuadat: error: cannot write the log file\n");
		rc = EXIT_FAILURE_IO;
	}
	free(o);
	cli->output = NULL;
	return rc;
}
