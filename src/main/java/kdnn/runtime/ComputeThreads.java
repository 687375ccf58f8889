package kdnn.runtime;

import java.util.concurrent.ConcurrentLinkedDeque;
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
 *
 * <p>Under {@link Threads.Policy#SPLIT_WHEN_SAME} and {@link Threads.Policy#SPLIT_WHEN_QUEUED} a turn that starts while other
 * predictions wait runs as many as the largest divisor of the count they fill side by side, in
 * lanes of {@code count / lanes} threads (the lane's width): the turn's own on the compute
 * thread, the others on helper threads. Lanes of one thread start no OpenMP team, so the compute
 * thread's team stays the only one (a second would make libgomp throttle every team's waiting,
 * see {@code src/RELIABILITY.md}); their helpers are kept for the next such turn. Wider lanes do
 * start teams, of {@code width} threads, which together never outnumber the count; their
 * helpers end with the turn, and with them their teams, so a lone caller's team is again the
 * only one. A lane that finishes takes the next queued prediction, so the turn lasts while
 * predictions keep coming and nobody waits for the gate. Under {@code SPLIT_WHEN_SAME} a
 * prediction joins a split turn only once its plan's {@link LaneCheck} has found its results at
 * the lane's width the same; the turn that first would take it runs that check, with the whole
 * team, before it decides.
 */
final class ComputeThreads {
    private static final ConcurrentLinkedDeque<Task> QUEUE = new ConcurrentLinkedDeque<>();
    private static final ConcurrentLinkedQueue<Worker> IDLE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger CREATED = new AtomicInteger();
    // how long an idle compute thread keeps looking (yielding its core) before it parks: a lone
    // caller, woken at the end of its prediction, queues its next one within about 40 us here,
    // which then starts without a second wake-up
    private static final long LOOK_NS = 100_000;
    // a lane looks longer, this share of its last prediction's time: on cores its turn keeps busy,
    // a woken caller may wait a scheduler's slice for one, and a turn that ends for that idles its
    // other lanes until their predictions end
    private static final int LANE_LOOK_SHARE = 32;
    private static final AtomicInteger SPLIT_TURNS = new AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicLong SPLIT_PREDICTIONS = new java.util.concurrent.atomic.AtomicLong();

    private ComputeThreads() {
    }

    /** True on a compute thread or a lane's helper, where a call runs in the turn it is part of. */
    static boolean onComputeThread() {
        Thread t = Thread.currentThread();
        return t instanceof Worker || t instanceof Helper;
    }

    /** Runs {@code body} on a compute thread in a turn of the gate; rethrows what it threw. */
    static void run(Runnable body) {
        run(body, 1, null);
    }

    /**
     * {@link #run(Runnable)} for a prediction that may share a split turn of at most
     * {@code maxLanes} lanes (1: never; see the class), whose sameness in a lane {@code sameness}
     * checks (or null).
     */
    static void run(Runnable body, int maxLanes, LaneCheck sameness) {
        if (Thread.currentThread() instanceof Worker || Thread.currentThread() instanceof Helper) {
            body.run(); // already in a compute thread's turn
            return;
        }
        Task task = new Task(body, Thread.currentThread(), ExecutionTrace.active(), maxLanes, sameness);
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

    /** Wakes the idle compute threads, so that those the gate no longer needs end (after a change of count). */
    static void wakeIdle() {
        for (Worker w : IDLE) LockSupport.unpark(w);
    }

    /** How many turns have run predictions side by side since the process started. */
    static int splitTurns() {
        return SPLIT_TURNS.get();
    }

    /** How many predictions those turns have run. */
    static long splitPredictions() {
        return SPLIT_PREDICTIONS.get();
    }

    /** A caller's prediction and what the caller waits for. */
    private static final class Task {
        final Runnable body;
        final Thread caller;
        final ExecutionTrace trace; // a benchmark's trace follows the call
        final int maxLanes; // the most lanes of a split turn it may run in (1: none), if the policy (and its check) agree
        final LaneCheck sameness; // or null
        volatile Throwable failure;
        volatile boolean done;

        Task(Runnable body, Thread caller, ExecutionTrace trace, int maxLanes, LaneCheck sameness) {
            this.body = body;
            this.caller = caller;
            this.trace = trace;
            this.maxLanes = maxLanes;
            this.sameness = sameness;
        }

        /**
         * Whether it may run in a split turn of {@code lanes} lanes of {@code width} threads under
         * the policy now in force; {@code mayCheck}: run its check if the answer is not known yet
         * (on a compute thread holding a turn, outside any lane), else take an unknown answer as no.
         */
        boolean shares(int lanes, int width, boolean mayCheck) {
            if (lanes > maxLanes) return false;
            Threads.Policy p = Threads.policy();
            if (p == Threads.Policy.SPLIT_WHEN_QUEUED) return true;
            if (p != Threads.Policy.SPLIT_WHEN_SAME || sameness == null) return false;
            int count = Threads.processCount();
            return mayCheck ? sameness.same(count, width) : sameness.knownSame(count, width);
        }

        /** Runs the body on this thread, then hands the result to the caller. */
        void runAndReport() {
            int teams = Threads.teamMark();
            try {
                if (trace != null) trace.moveTo(Thread.currentThread());
                body.run();
            } catch (Throwable t) {
                failure = t;
            }
            if (Threads.teamMark() != teams) Threads.computeThreadStartedTeams();
            done = true;
            LockSupport.unpark(caller);
        }
    }

    /**
     * The turn's predictions: {@code first} alone, or, when it and queued ones that may share a
     * turn fill a divisor of the count of two or more, that many, each leaving the queue (lanes
     * of unequal widths would leave some to wait for the widest); where a lane width's check
     * differs, the next smaller divisor's. Those the turn does not take stay queued, in their order.
     */
    private static Task[] turnOf(Task first) {
        int count = Threads.count();
        if (first.maxLanes < 2 || count < 2 || !Threads.splits(Threads.policy()) || QUEUE.isEmpty()) {
            return new Task[] {first};
        }
        java.util.ArrayList<Task> turn = new java.util.ArrayList<>();
        turn.add(first);
        int cap = Math.min(count, first.maxLanes);
        while (turn.size() < cap) {
            Task next = QUEUE.pollFirst();
            if (next == null) break;
            if (next.maxLanes < 2) {
                QUEUE.offerFirst(next); // it never shares: it waits for a turn of its own, in its place
                break;
            }
            turn.add(next);
            cap = Math.min(cap, next.maxLanes);
        }
        int lanes = lanes(count, Math.min(turn.size(), cap), l -> {
            for (int i = 0; i < l; i++) {
                if (!turn.get(i).shares(l, count / l, true)) return false;
            }
            return true;
        });
        while (turn.size() > lanes) QUEUE.offerFirst(turn.removeLast()); // back, in their order
        return turn.toArray(Task[]::new);
    }

    /**
     * The most lanes, each of as many threads, that {@code fill} predictions fill on {@code count}
     * threads and whose width all of them may run at ({@code share}, given the lanes); 1: none.
     */
    static int lanes(int count, int fill, java.util.function.IntPredicate share) {
        for (int l = lanes(count, fill); l >= 2; l = lanes(count, l - 1)) {
            if (share.test(l)) return l;
        }
        return 1;
    }

    /** The most lanes, each of as many threads, that {@code available} predictions fill on {@code count} threads (1: none). */
    static int lanes(int count, int available) {
        for (int l = Math.min(count, available); l >= 2; l--) {
            if (count % l == 0) return l;
        }
        return 1;
    }

    /** A split turn: how many lanes it has, each of how many threads, the gate's permit it holds, and whether it is ending. */
    private static final class Turn {
        final int lanes;
        final int width;
        final Semaphore admitted;
        volatile boolean ending;

        Turn(int lanes, int width, Semaphore admitted) {
            this.lanes = lanes;
            this.width = width;
            this.admitted = admitted;
        }
    }

    /** Runs {@code first}, then queued predictions that may share the turn, with the lane's width. */
    private static void runLane(Task first, Turn turn) {
        Threads.withCount(turn.width, () -> {
            for (Task t = first; t != null; ) {
                long start = System.nanoTime();
                t.runAndReport();
                SPLIT_PREDICTIONS.incrementAndGet();
                t = nextInLane(turn, System.nanoTime() - start);
            }
        });
    }

    /**
     * The lane's next prediction, or null when the turn ends: the first lane to find none for a
     * moment ends the turn for all, so no lane goes on alone while another's core idles; so does
     * a call waiting for the gate, or a change of policy. The moment: {@link #LOOK_NS} (a caller
     * just woken takes about 40 us to queue its next), or a 32nd of the lane's last prediction
     * ({@code lastNs}) if longer.
     */
    private static Task nextInLane(Turn turn, long lastNs) {
        long end = System.nanoTime() + Math.max(LOOK_NS, lastNs / LANE_LOOK_SHARE);
        while (!turn.ending) {
            if (turn.admitted != null && turn.admitted.hasQueuedThreads()) break;
            if (!Threads.splits(Threads.policy())) break; // changed meanwhile
            Task next = QUEUE.pollFirst();
            if (next != null && next.shares(turn.lanes, turn.width, false)) return next; // a lane has no team to check with
            if (next != null) {
                QUEUE.offerFirst(next); // its place in the queue, for the next turn
                break;
            }
            if (System.nanoTime() >= end) break;
            Thread.yield();
        }
        turn.ending = true;
        return null;
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
                    if (retired()) return;
                    // idle first, then look again: a caller that queued meanwhile either sees this
                    // thread idle and wakes it, or its task is seen here
                    IDLE.add(this);
                    if (QUEUE.isEmpty()) {
                        LockSupport.park(this);
                    }
                    IDLE.remove(this);
                    continue;
                }
                Semaphore admitted = Threads.enterTurn(false);
                try {
                    Task[] turn = turnOf(task);
                    if (turn.length == 1) {
                        task.runAndReport();
                    } else {
                        SPLIT_TURNS.incrementAndGet();
                        runSideBySide(turn, admitted);
                    }
                } finally {
                    Threads.exitCall(admitted);
                }
            }
        }

        /**
         * Whether this idle thread has ended its service: more compute threads run than the gate
         * now admits at once (the count went up), or calls no longer come to them (the policy
         * became {@code FIXED}, the count 1), and each keeps an OpenMP team that, beside others
         * beyond the cores, would make libgomp throttle every team. A task queued meanwhile goes
         * to another.
         */
        private boolean retired() {
            while (true) {
                int n = CREATED.get();
                if (n <= Threads.computeThreadsKept()) return false;
                if (CREATED.compareAndSet(n, n - 1)) break;
            }
            for (Helper h : helpers) h.retire();
            if (!QUEUE.isEmpty()) {
                Worker idle = IDLE.poll();
                if (idle != null) {
                    LockSupport.unpark(idle);
                } else {
                    startWorkerIfBelow(Threads.callsAtOnce());
                }
            }
            return true;
        }

        private final java.util.ArrayList<Helper> helpers = new java.util.ArrayList<>();
        private final AtomicInteger helping = new AtomicInteger();

        /**
         * The turn's predictions as lanes: the first here, each other on a helper. A lane that
         * finishes takes the next queued prediction that may share the turn, so the cores stay
         * busy while predictions keep coming ({@link #nextInLane}); returns when all lanes have
         * ended. One-thread lanes run on the helpers this thread keeps; wider ones on helpers
         * that end with the turn, taking their OpenMP teams with them.
         */
        private void runSideBySide(Task[] tasks, Semaphore admitted) {
            Turn turn = new Turn(tasks.length, Threads.count() / tasks.length, admitted);
            helping.set(turn.lanes - 1);
            if (turn.width == 1) {
                while (helpers.size() < turn.lanes - 1) {
                    helpers.add(new Helper(getName() + "-helper-" + (helpers.size() + 1), this, false));
                }
                for (int i = 1; i < turn.lanes; i++) helpers.get(i - 1).begin(tasks[i], turn);
            } else {
                for (int i = 1; i < turn.lanes; i++) {
                    new Helper(getName() + "-helper-" + turn.width + "x-" + i, this, true).begin(tasks[i], turn);
                }
            }
            runLane(tasks[0], turn);
            while (helping.get() > 0) LockSupport.park(this);
        }

        /** A helper's prediction has ended; the last one wakes this thread. */
        void helperEnded() {
            if (helping.decrementAndGet() == 0) LockSupport.unpark(this);
        }
    }

    /** A lane of a split turn other than the compute thread's own (see {@link #runLane}). */
    private static final class Helper extends Thread {
        private final Worker worker;
        private final boolean oneTurn; // ends after its lane: its OpenMP team goes with it
        private volatile Task task;
        private volatile Turn turn;
        private volatile boolean retired; // its compute thread has ended

        Helper(String name, Worker worker, boolean oneTurn) {
            super(name);
            this.worker = worker;
            this.oneTurn = oneTurn;
            setDaemon(true);
            start();
        }

        /** Ends this idle helper, whose compute thread has ended. */
        void retire() {
            retired = true;
            LockSupport.unpark(this);
        }

        void begin(Task t, Turn of) {
            turn = of;
            task = t;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (true) {
                Task t = task;
                if (t == null) {
                    if (retired) return;
                    LockSupport.park(this);
                    continue;
                }
                task = null;
                runLane(t, turn);
                worker.helperEnded();
                if (oneTurn) return;
            }
        }
    }
}
