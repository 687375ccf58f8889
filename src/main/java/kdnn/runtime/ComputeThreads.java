package kdnn.runtime;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Long-lived threads that run admitted predictions for any caller. OpenMP gives every thread
 * that starts a parallel region its own team: N request threads taking turns at oneDNN would
 * keep N teams, and libgomp, seeing more threads than cores, puts idle workers to sleep almost
 * at once, so every parallel region of a prediction pays a wake-up. Running turns on at most as
 * many threads as the gate admits at once keeps as many teams, warm, and the request threads'
 * count no longer matters.
 *
 * <p>Callers queue their predictions and wait (parked); a compute thread takes each in arrival
 * order, with a turn of the gate of its own. When requests queue up, a compute thread goes from
 * one to the next at once instead of waiting for the previous caller to wake up and hand over;
 * an idle one looks at the queue a little longer before it parks, so a lone caller's next
 * prediction needs no second wake-up either.
 */
final class ComputeThreads {
    private static final ConcurrentLinkedQueue<Task> QUEUE = new ConcurrentLinkedQueue<>();
    private static final ConcurrentLinkedQueue<Worker> IDLE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger CREATED = new AtomicInteger();
    // how long an idle compute thread keeps looking (yielding its core) before it parks: a lone
    // caller, woken at the end of its prediction, queues its next one within about 40 us here,
    // which then starts without a second wake-up
    private static final long LOOK_NS = 100_000;

    private ComputeThreads() {
    }

    /** Runs {@code body} on a compute thread in a turn of the gate; rethrows what it threw. */
    static void run(Runnable body) {
        if (Thread.currentThread() instanceof Worker) { // already in a compute thread's turn
            body.run();
            return;
        }
        Task task = new Task(body, Thread.currentThread(), ExecutionTrace.active());
        QUEUE.add(task);
        Worker idle = IDLE.poll();
        if (idle != null) {
            LockSupport.unpark(idle);
        } else {
            startWorkerIfBelow(Threads.callsAtOnce());
        }
        boolean interrupted = false;
        while (!task.done) {
            LockSupport.park(task);
            interrupted |= Thread.interrupted(); // waits as an uninterruptible acquire would, then restores it
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (task.trace != null) task.trace.moveTo(Thread.currentThread());
        Throwable t = task.failure;
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    /** One more compute thread while there are fewer than the gate admits at once (busy ones take queued tasks next). */
    private static void startWorkerIfBelow(int limit) {
        while (true) {
            int n = CREATED.get();
            if (n >= limit) return;
            if (CREATED.compareAndSet(n, n + 1)) {
                new Worker(n + 1);
                return;
            }
        }
    }

    /** A caller's prediction and what the caller waits for. */
    private static final class Task {
        final Runnable body;
        final Thread caller;
        final ExecutionTrace trace; // a benchmark's trace follows the call
        volatile Throwable failure;
        volatile boolean done;

        Task(Runnable body, Thread caller, ExecutionTrace trace) {
            this.body = body;
            this.caller = caller;
            this.trace = trace;
        }
    }

    private static final class Worker extends Thread {
        Worker(int n) {
            super("kdnn-compute-" + n);
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            Threads.applyToCurrentThread();
            while (true) {
                Task task = QUEUE.poll();
                if (task == null) {
                    long end = System.nanoTime() + LOOK_NS;
                    while ((task = QUEUE.poll()) == null && System.nanoTime() < end) Thread.yield();
                }
                if (task == null) {
                    // idle first, then look again: a caller that queued meanwhile either sees this
                    // thread idle and wakes it, or its task is seen here
                    IDLE.add(this);
                    if (QUEUE.isEmpty()) {
                        LockSupport.park(this);
                    }
                    IDLE.remove(this);
                    continue;
                }
                Semaphore admitted = Threads.enterCall();
                try {
                    if (task.trace != null) task.trace.moveTo(this);
                    task.body.run();
                } catch (Throwable t) {
                    task.failure = t;
                } finally {
                    Threads.exitCall(admitted);
                }
                task.done = true;
                LockSupport.unpark(task.caller);
            }
        }
    }
}
