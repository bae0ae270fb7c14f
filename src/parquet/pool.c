/*-------------------------------------------------------------------------
 *
 * pool.c
 *		Column chunks encoded and compressed on a small pool of threads.
 *
 * With options.threads > 1 the writer hands each full row group to this
 * pool, one job per column chunk (dictionary decision, page encoding,
 * compression, statistics), and goes on filling the next row group's
 * buffers; writer.c then writes the finished chunks, in column order, on
 * the caller's thread.  The pool has threads - 1 threads: the caller is
 * the last one, and runs queued jobs itself whenever it has to wait.
 *
 * The rules that keep this safe inside a PostgreSQL backend:
 * - a thread runs only the writer's own code and the compression
 *	 libraries; it never calls the allocation hooks (which are palloc in the
 *	 server) but malloc, through pqw_malloc_alloc;
 * - every signal is blocked in the threads (the mask is set around
 *	 pthread_create), so the backend alone receives SIGINT, SIGTERM, ...;
 * - a job's error stays in the job (status and message) for the caller to
 *	 report; the write callback is called by the caller only;
 * - pqw_pool_destroy joins every thread: the caller destroys the pool
 *	 before the memory a job reads (the column buffers) can go.
 *
 * A job reads its column's buffers, which the caller does not touch until
 * it has waited for that job; everything else a job writes is its own.
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "parquet/pqw_internal.h"

/* One thread's encoder, and its pool */
typedef struct pqw_worker
{
	struct pqw_pool *pool;
	pqw_encoder enc;
} pqw_worker;

struct pqw_pool
{
	pthread_mutex_t lock;
	pthread_cond_t work;		/* jobs were queued, or stop was set */
	pthread_cond_t done;		/* a job finished */
	pqw_job    *jobs;			/* the batch; jobs [next, n_jobs) are queued */
	int			n_jobs;
	int			next;
	bool		stop;
	pqw_options opt;			/* codec, level, page and dictionary sizes */
	int			n_threads;		/* started */
	pthread_t  *threads;
	pqw_worker *workers;		/* the caller's is workers[n_threads] */
	int			n_workers;		/* threads asked for + 1 */
};

/* ---- malloc: the only allocator a thread uses ---- */

static void *
sys_malloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void *
sys_realloc(void *ctx, void *ptr, size_t size)
{
	return realloc(ptr, size);
}

static void
sys_free(void *ctx, void *ptr)
{
	free(ptr);
}

const pqw_alloc pqw_malloc_alloc = {sys_malloc, sys_realloc, sys_free, NULL};

/* ---- a job ---- */

static pqw_status
job_write(void *ctx, const void *data, size_t len)
{
	pqw_job    *j = ctx;

	if (!pqw_buf_append(&j->out, data, len))
		return PQW_ERR_NOMEM;
	j->offset += (int64_t) len;
	return PQW_OK;
}

/* Encode one column chunk into j->out, offsets relative to its start. */
static void
run_job(pqw_pool *p, pqw_worker *wk, pqw_job *j)
{
	pqw_chunk_ctx ctx;

	pqw_chunk_ctx_init(&ctx, &wk->enc, &pqw_malloc_alloc, &p->opt, job_write, j,
					   &j->offset, j->errmsg);
	j->status = pqw_column_write_chunk(j->col, &ctx, &j->meta);
	/* a buffer that failed to grow is not sticky across jobs */
	wk->enc.scratch.failed = wk->enc.compressed.failed = false;
	wk->enc.header.failed = false;
}

void
pqw_job_reset(pqw_job *j, pqw_column *col)
{
	memset(j, 0, sizeof(*j));
	j->col = col;
	j->state = PQW_JOB_QUEUED;
	pqw_buf_init(&j->out, &pqw_malloc_alloc);
}

void
pqw_job_clear(pqw_job *j)
{
	if (j->out.alloc != NULL)
		pqw_buf_free(&j->out);
	pqw_stats_free(&j->meta.stats, &pqw_malloc_alloc);
}

/* ---- the threads ---- */

/* Take the next queued job, if any; called with the lock held. */
static pqw_job *
take_job(pqw_pool *p)
{
	pqw_job    *j;

	if (p->stop || p->next >= p->n_jobs)
		return NULL;
	j = &p->jobs[p->next++];
	j->state = PQW_JOB_RUNNING;
	return j;
}

/* Run j unlocked, then mark it done; called and returns with the lock held. */
static void
run_unlocked(pqw_pool *p, pqw_worker *wk, pqw_job *j)
{
	pthread_mutex_unlock(&p->lock);
	run_job(p, wk, j);
	pthread_mutex_lock(&p->lock);
	j->state = PQW_JOB_DONE;
	pthread_cond_broadcast(&p->done);
}

static void *
thread_main(void *arg)
{
	pqw_worker *wk = arg;
	pqw_pool   *p = wk->pool;
	pqw_job    *j;

	pthread_mutex_lock(&p->lock);
	while (!p->stop)
	{
		j = take_job(p);
		if (j != NULL)
			run_unlocked(p, wk, j);
		else
			pthread_cond_wait(&p->work, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/*
 * Start up to n threads with every signal blocked (they inherit the mask
 * of the thread that creates them); fewer when the system refuses more,
 * the caller doing the remaining work.
 */
static void
start_threads(pqw_pool *p, int n)
{
	sigset_t	all,
				old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (p->n_threads < n &&
		   pthread_create(&p->threads[p->n_threads], NULL, thread_main,
						  &p->workers[p->n_threads]) == 0)
		p->n_threads++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * pqw_pool_create
 *		A pool of options->threads - 1 threads; NULL when out of memory.
 *
 * Everything here is malloc'd: the pool outlives no error of the caller,
 * who destroys it first, but it is never memory of the hooks either.
 */
pqw_pool *
pqw_pool_create(const pqw_options *o)
{
	int			n = o->threads - 1;
	pqw_pool   *p = calloc(1, sizeof(pqw_pool));

	if (p == NULL)
		return NULL;
	p->threads = calloc(n > 0 ? n : 1, sizeof(pthread_t));
	p->workers = calloc(n + 1, sizeof(pqw_worker));
	if (p->threads == NULL || p->workers == NULL ||
		pthread_mutex_init(&p->lock, NULL) != 0)
	{
		free(p->threads);
		free(p->workers);
		free(p);
		return NULL;
	}
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->opt = *o;
	p->opt.created_by = NULL;	/* not the caller's to keep */
	p->n_workers = n + 1;
	for (int i = 0; i <= n; i++)
	{
		p->workers[i].pool = p;
		pqw_encoder_init(&p->workers[i].enc, o, &pqw_malloc_alloc);
	}
	start_threads(p, n);
	return p;
}

/* Queue jobs[0..n) in this order; the previous batch must be done. */
void
pqw_pool_submit(pqw_pool *p, pqw_job *jobs, int n)
{
	pthread_mutex_lock(&p->lock);
	assert(p->next >= p->n_jobs);
	p->jobs = jobs;
	p->n_jobs = n;
	p->next = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

/*
 * pqw_pool_wait
 *		Return when job j is done, running queued jobs on the caller's thread
 *		meanwhile (in queue order, so j's turn comes).
 */
void
pqw_pool_wait(pqw_pool *p, pqw_job *j)
{
	pqw_worker *mine = &p->workers[p->n_threads];
	pqw_job    *q;

	pthread_mutex_lock(&p->lock);
	while (j->state != PQW_JOB_DONE)
	{
		q = take_job(p);
		if (q != NULL)
			run_unlocked(p, mine, q);
		else
			pthread_cond_wait(&p->done, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
}

/*
 * pqw_pool_destroy
 *		Drop the queued jobs, let the running ones finish, join every thread
 *		and free the pool.
 */
void
pqw_pool_destroy(pqw_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	for (int i = 0; i < p->n_workers; i++)
		pqw_encoder_free(&p->workers[i].enc);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p->workers);
	free(p);
}
