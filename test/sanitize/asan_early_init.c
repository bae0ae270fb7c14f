/*
 * asan_early_init.c — preloaded after libasan into the sanitized cluster's
 * postmaster (test/sanitize/run.sh), so that the ASan runtime initializes
 * before anything holds glibc's gettext lock.
 *
 * Why: a preloaded libasan is initialized after the libraries the server
 * links (the dynamic loader runs constructors dependencies-first, and a
 * preload depends on nothing of theirs).  libgpg-error's constructor (pulled
 * in by Debian's postgres through gnutls/gcrypt) calls bindtextdomain(),
 * which mallocs while holding glibc's _nl_state_lock; that first malloc goes
 * to ASan's interceptor, which initializes ASan right there, and ASan's
 * initialization calls dlerror() -> dcgettext(), which takes the same lock
 * again.  The lock's state is corrupted and the next bindtextdomain()
 * (postgres's main()) waits forever: even `postgres -V` hangs.
 *
 * The same happens in libp11-kit's constructor (newlocale(), under glibc's
 * __libc_setlocale_lock) in programs whose constructors run in another order,
 * such as psql, which pg_ctlcluster runs with the cluster's environment.
 *
 * This library interposes bindtextdomain(), newlocale() and setlocale() and
 * makes one malloc() before the first call of any of them, so ASan
 * initializes while no glibc lock is held.  Not part of the extension; plain
 * C, no PostgreSQL.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <locale.h>
#include <stdlib.h>

char	   *bindtextdomain(const char *domainname, const char *dirname);

/* The real function, found after making the first malloc(). */
static void *
real_function(const char *name)
{
	/* volatile: the compiler may not drop the malloc/free pair */
	void	   *volatile p = malloc(1);
	void	   *fn;

	free(p);
	fn = dlsym(RTLD_NEXT, name);
	if (fn == NULL)
		abort();
	return fn;
}

char *
bindtextdomain(const char *domainname, const char *dirname)
{
	static char *(*real) (const char *, const char *);

	if (real == NULL)
		real = real_function("bindtextdomain");
	return real(domainname, dirname);
}

locale_t
newlocale(int category_mask, const char *locale, locale_t base)
{
	static locale_t (*real) (int, const char *, locale_t);

	if (real == NULL)
		real = real_function("newlocale");
	return real(category_mask, locale, base);
}

char *
setlocale(int category, const char *locale)
{
	static char *(*real) (int, const char *);

	if (real == NULL)
		real = real_function("setlocale");
	return real(category, locale);
}
