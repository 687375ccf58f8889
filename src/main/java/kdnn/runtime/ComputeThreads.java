package kdnn.runtime;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Long-lived threads that run admitted predictions for any caller. OpenMP gives every thread
 * that starts a parallel region its own team: N request threads taking turns at oneDNN would
 * keep N teams, and libgomp, seeing more threads than cores, puts idle workers to sleep almost
 * at once, so every parallel region of a prediction pays a wake-up. Running turns on at most as
 * many threads as the gate admits at once keeps as many teams, warm, and the request threads'
 * count no longer matters. A caller waits (parked) while its prediction runs.
 */
final class ComputeThreads {
    private static final ConcurrentLinkedQueue<Worker> IDLE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger CREATED = new AtomicInteger();

    private ComputeThreads() {
    }

    /** Runs {@code body} on an idle compute thread (a new one if none is idle); rethrows what it threw. */
    static void run(Runnable body) {
        Worker w = IDLE.poll();
        if (w == null) w = new Worker(CREATED.incrementAndGet());
        ExecutionTrace trace = ExecutionTrace.active(); // a benchmark's trace follows the call
        if (trace != null) trace.moveTo(w);
        try {
            w.execute(body);
        } finally {
            if (trace != null) trace.moveTo(Thread.currentThread());
            IDLE.add(w);
        }
    }

    private static final class Worker extends Thread {
        private volatile Runnable task;
        private volatile Thread caller;
        private volatile Throwable failure;
        private volatile boolean done;

        Worker(int n) {
            super("kdnn-compute-" + n);
            setDaemon(true);
            start();
        }

        void execute(Runnable body) {
            failure = null;
            done = false;
            caller = Thread.currentThread();
            task = body;
            LockSupport.unpark(this);
            while (!done) LockSupport.park(this);
            caller = null;
            Throwable t = failure;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }

        @Override
        public void run() {
            Threads.applyToCurrentThread();
            while (true) {
                Runnable r = task;
                if (r == null) {
                    LockSupport.park(this);
                    continue;
                }
                task = null;
                try {
                    r.run();
                } catch (Throwable t) {
                    failure = t;
                }
                Thread c = caller;
                done = true;
                LockSupport.unpark(c);
            }
        }
    }
}
