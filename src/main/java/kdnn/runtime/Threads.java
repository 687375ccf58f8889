package kdnn.runtime;

import kdnn.bindings.dnnl_h;
import java.util.concurrent.Semaphore;
import kdnn.bindings.omp_h;

/**
 * The number of threads oneDNN primitives use. oneDNN fixes the count when a primitive is
 * CREATED (from the creating thread's OpenMP setting), so kdnn applies it on the creating
 * thread right before each primitive is made; primitives already made keep theirs, and layers
 * key their primitive caches by the count.
 */
public final class Threads {
    /** How calls running at once share the cores. */
    public enum Policy {
        /**
         * At most {@code max(1, cores / count)} calls run oneDNN at once, each with
         * {@link #count()} threads, or as many calls of one-thread steps as there are cores (a
         * mix, never more threads than cores); the others wait their turn. N request threads therefore never
         * start N OpenMP teams on the same cores, and since every primitive keeps one thread
         * count, a result never depends on how many calls ran at the same time.
         */
        SHARE_CORES,
        /**
         * The default: {@link #SPLIT_WHEN_QUEUED} for the predictions whose results in a split
         * turn's lanes are bitwise those of the whole count ({@link LaneCheck}: checked once per
         * plan and lane width, at every step, the first time a split turn of that width would take
         * it), {@link #SHARE_CORES} for the others. Throughput for a busy server, and a result
         * still never depends on the load.
         */
        SPLIT_WHEN_SAME,
        /**
         * {@link #SHARE_CORES} while one prediction waits at a time; when a compute thread's turn
         * starts with more large predictions waiting, the turn runs up to {@link #count()} of
         * them side by side in lanes that split the count's threads evenly (as many lanes as the
         * largest divisor of the count that the waiting predictions fill: on 16 threads, 8
         * waiting run as 8 lanes of 2 threads, 3 as 2 lanes of 8; on 2 threads, 2 lanes of 1):
         * throughput for a busy server, the whole count's latency for a lone caller. Only
         * predictions whose workspaces fit the last-level cache once per lane share a turn (none
         * where its size cannot be read). The cost: another copy of the prepared weights per lane
         * width in use, for its primitives, and results that may differ in the last bits with the
         * load, wherever oneDNN blocks a kernel differently for fewer threads.
         */
        SPLIT_WHEN_QUEUED,
        /** No limit: every call runs at once with {@link #count()} threads (may oversubscribe). */
        FIXED
    }

    private static volatile int count = defaultCount();
    private static volatile Policy policy = defaultPolicy();
    // a count in force on this thread alone (0: none): the lane width of a split turn's calls
    private static final ThreadLocal<int[]> CALL_COUNT = ThreadLocal.withInitial(() -> new int[] {0});
    private static volatile Gate gate = newGate();
    private static final ThreadLocal<int[]> CREATING_WITH = ThreadLocal.withInitial(() -> new int[] {0});
    // what this thread last told OpenMP (-1: nothing yet), so a run sets it only when it changes;
    // then how many parallel regions of more than one thread it has started (see teamsSince)
    private static final ThreadLocal<int[]> OPENMP_THREADS = ThreadLocal.withInitial(() -> new int[] {-1, 0});

    private Threads() {
    }

    /**
     * The count new primitives get: {@code -Dkdnn.threads}, {@code KDNN_THREADS}, else the available
     * cores; the lane's width inside a split turn ({@link Policy#SPLIT_WHEN_SAME}, {@link Policy#SPLIT_WHEN_QUEUED}).
     */
    public static int count() {
        int own = CALL_COUNT.get()[0];
        return own > 0 ? own : count;
    }

    /** The count of the process, whatever a split turn's lane has in force. */
    public static int processCount() {
        return count;
    }

    /** True when {@code p} may run predictions side by side. */
    static boolean splits(Policy p) {
        return p == Policy.SPLIT_WHEN_SAME || p == Policy.SPLIT_WHEN_QUEUED;
    }

    /** Runs {@code body} with {@link #count()} = {@code threads} on this thread. */
    static void withCount(int threads, Runnable body) {
        int[] slot = CALL_COUNT.get();
        int before = slot[0];
        slot[0] = threads;
        try {
            body.run();
        } finally {
            slot[0] = before;
        }
    }

    /** Sets the count for primitives created from now on. */
    public static void setCount(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        count = threads;
        gate = newGate();
        ComputeThreads.wakeIdle(); // compute threads beyond the new gate's calls end
    }

    public static Policy policy() {
        return policy;
    }

    public static void setPolicy(Policy p) {
        policy = java.util.Objects.requireNonNull(p, "policy");
        gate = newGate();
        // under FIXED the callers run their own calls: the idle compute threads end, and their
        // teams with them (a team kept beside the callers' makes libgomp throttle every team)
        ComputeThreads.wakeIdle();
    }

    private static Gate newGate() {
        int cores = Runtime.getRuntime().availableProcessors();
        int permits = Math.max(cores, count);
        // a count above the cores spreads each core's share over more permits: one-thread calls still fit the cores
        return policy == Policy.FIXED ? null : new Gate(permits, count, (permits + cores - 1) / cores);
    }

    /**
     * The gate: a permit per core (at least the count's); a call takes one per thread it runs, the
     * count's for a call of the count's threads, one for a call whose steps all run on one thread
     * (a core's share of the permits when the count exceeds the cores).
     * So {@link #callsAtOnce()} calls of the count run at once, or as many one-thread calls as
     * there are cores, and a mix never runs more threads than cores. Not fair, so a caller that
     * finds its permits free takes them at once (a fair gate hands every permit to a parked
     * waiter, which cost one-thread calls from 4 request threads 80% of their rate); a call of
     * the count's threads that has to wait makes one-thread calls wait behind it, so they cannot
     * keep it out by never leaving all permits free at once; one that finds the permits held by
     * one-thread calls looks again for a moment before it parks.
     */
    private static final class Gate extends Semaphore {
        // how long a one-thread call looks for a permit before it parks, while only one-thread calls hold them
        static final long ONE_THREAD_LOOK_NS = 20_000;
        final int full;
        final int one;
        private final java.util.concurrent.atomic.AtomicInteger wideRunning = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.locks.ReentrantLock wideWait = new java.util.concurrent.locks.ReentrantLock();
        private volatile boolean wideWaiting; // only while wideWait is held

        Gate(int permits, int full, int one) {
            super(permits);
            this.full = full;
            this.one = one;
        }

        void enter(boolean oneThread) {
            if (oneThread) {
                while (wideWaiting) { // behind the waiting wide call: its holder releases the lock once it has its permits
                    wideWait.lock();
                    wideWait.unlock();
                }
                if (wideRunning.get() == 0) {
                    // other one-thread calls hold the permits and end within microseconds: look again,
                    // yielding the core, before parking (a parked waiter, woken by every release only
                    // to find the permit taken again, cost 8 request threads a fifth of their rate)
                    long end = System.nanoTime() + ONE_THREAD_LOOK_NS;
                    do {
                        if (!wideWaiting && tryAcquire(one)) return;
                        Thread.yield();
                    } while (System.nanoTime() < end && wideRunning.get() == 0);
                }
                acquireUninterruptibly(one);
            } else {
                if (!tryAcquire(full)) {
                    wideWait.lock(); // one wide call at a time gathers permits, so two never hold a part each
                    try {
                        wideWaiting = true;
                        acquireUninterruptibly(full);
                    } finally {
                        wideWaiting = false;
                        wideWait.unlock();
                    }
                }
                wideRunning.incrementAndGet();
            }
        }

        void exit(boolean oneThread) {
            if (!oneThread) wideRunning.decrementAndGet();
            release(oneThread ? one : full);
        }
    }

    /**
     * How many compute threads to keep: {@link #callsAtOnce()}, or none where no call goes to
     * one ({@link Policy#FIXED}, a count of 1, where calls run on their callers).
     */
    static int computeThreadsKept() {
        return gate == null || count <= 1 ? 0 : callsAtOnce();
    }

    /** How many calls {@link Policy#SHARE_CORES} runs at once: the cores over the count, at least one. */
    static int callsAtOnce() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / count);
    }

    /** Waits for this call's turn; pass the result to {@link #exitCall}. */
    public static Semaphore enterCall() {
        return enterCall(false);
    }

    /**
     * Waits for the turn of a call of the count's threads, or, with {@code oneThread}, of a call
     * whose primitives all run on one thread (it takes a core's share of the gate); pass the
     * result and the same {@code oneThread} to {@link #exitCall(Semaphore, boolean)}.
     */
    public static Semaphore enterCall(boolean oneThread) {
        if (ComputeThreads.onComputeThread()) return null; // inside a compute thread's turn, which holds the gate
        return enterTurn(oneThread);
    }

    /** Takes the gate's permits for a call of the count's threads or ({@code oneThread}) of one; for a compute thread's turn. */
    static Semaphore enterTurn(boolean oneThread) {
        Gate g = gate;
        if (g != null) g.enter(oneThread);
        return g;
    }

    public static void exitCall(Semaphore admitted) {
        exitCall(admitted, false);
    }

    public static void exitCall(Semaphore admitted, boolean oneThread) {
        if (admitted != null) ((Gate) admitted).exit(oneThread);
    }

    /**
     * Runs a whole prediction in one turn of the gate. With {@code onComputeThread} (a prediction
     * that starts OpenMP teams, or may) and OpenMP in play, it runs on one of
     * {@link ComputeThreads}, so request threads never start OpenMP teams of their own; otherwise
     * on the caller. Either way the primitives, and so the results, are the same.
     */
    public static void runAdmitted(boolean onComputeThread, Runnable body) {
        runAdmitted(onComputeThread, Long.MAX_VALUE, body);
    }

    /**
     * {@link #runAdmitted(boolean, Runnable)} for a prediction whose intermediate values need
     * {@code workspaceBytes}: under {@link Policy#SPLIT_WHEN_QUEUED} it may share a turn with
     * others, in lanes that split the count's threads, as many as fit their workspaces in the
     * last-level cache together ({@code Long.MAX_VALUE}: it never shares).
     */
    public static void runAdmitted(boolean onComputeThread, long workspaceBytes, Runnable body) {
        runAdmitted(onComputeThread, workspaceBytes, null, body);
    }

    /**
     * {@link #runAdmitted(boolean, long, Runnable)} for a prediction that {@code sameness} can
     * check (null: it cannot, so {@link Policy#SPLIT_WHEN_SAME} never splits it).
     */
    public static void runAdmitted(boolean onComputeThread, long workspaceBytes, LaneCheck sameness, Runnable body) {
        if (onComputeThread && gate != null && count > 1 && controllable()) {
            Policy p = policy;
            boolean splits = p == Policy.SPLIT_WHEN_QUEUED || p == Policy.SPLIT_WHEN_SAME && sameness != null;
            int lanes = splits ? (int) Math.min(count, lastLevelCacheBytes() / Math.max(1, workspaceBytes)) : 1;
            ComputeThreads.run(body, Math.max(1, lanes), sameness); // the compute thread takes the turn of the gate
            return;
        }
        // a prediction known to run one-thread steps alone (under OpenMP, whose count kdnn sets) takes one core's share
        boolean oneThread = !onComputeThread && controllable();
        Semaphore admitted = enterCall(oneThread);
        try {
            body.run();
        } finally {
            exitCall(admitted, oneThread);
        }
    }

    // the request thread whose standalone layer calls run on itself, starting OpenMP teams there (null:
    // none); one at most, and none once a compute thread has started a team (see layerCallOnCaller)
    private static final java.util.concurrent.atomic.AtomicReference<Thread> TEAM_HOLDER =
            new java.util.concurrent.atomic.AtomicReference<>();
    private static volatile boolean holderMustRelease;
    private static volatile boolean computeTeams;

    /**
     * Whether a standalone layer call runs on its caller ({@link #enterCall()} and the call), else
     * through {@link #runOnComputeThread}. A call of one-thread steps runs on its caller. One that
     * starts OpenMP teams runs on its caller only if the caller holds kdnn's one team outside the
     * compute threads, or may take it (no other thread holds it and no compute thread has a team):
     * a single thread making layer calls keeps them on itself, as a benchmark or a program of one
     * thread does. A second thread's calls go to a compute thread, and the holder gives its team
     * back to OpenMP at its next call (libgomp keeps a thread's team until the thread ends, and
     * two teams on these cores make every team sleep at its barriers).
     */
    public static boolean layerCallOnCaller(boolean startsTeams) {
        if (!startsTeams || gate == null || count <= 1 || ComputeThreads.onComputeThread() || !controllable()) {
            return true;
        }
        Thread me = Thread.currentThread();
        Thread holder = TEAM_HOLDER.get();
        if (holder != null && holder != me && !holder.isAlive() && TEAM_HOLDER.compareAndSet(holder, null)) {
            holder = null; // its team ended with it
            holderMustRelease = false;
        }
        if (holder == me) {
            if (!holderMustRelease) return true;
            OpenMpTeams.release(); // between calls: no parallel region is running on this thread
            TEAM_HOLDER.compareAndSet(me, null);
            return false;
        }
        if (holder == null && !computeTeams && TEAM_HOLDER.compareAndSet(null, me)) {
            holderMustRelease = false;
            return true;
        }
        if (TEAM_HOLDER.get() != null) holderMustRelease = true;
        return false;
    }

    /** Runs a call on a compute thread in a turn of the gate; rethrows what it threw. */
    public static void runOnComputeThread(Runnable body) {
        ComputeThreads.run(body);
    }

    /** A compute thread started a team: no request thread takes one from now on, and a holder gives its back. */
    static void computeThreadStartedTeams() {
        if (!computeTeams) computeTeams = true;
        if (TEAM_HOLDER.get() != null && !holderMustRelease) holderMustRelease = true;
    }

    /** How many turns have run predictions side by side ({@link Policy#SPLIT_WHEN_SAME}, {@link Policy#SPLIT_WHEN_QUEUED}) in this process. */
    public static int splitTurns() {
        return ComputeThreads.splitTurns();
    }

    /** How many predictions those turns have run, in all their lanes. */
    public static long splitPredictions() {
        return ComputeThreads.splitPredictions();
    }

    /** Runs {@code create} so that primitives it creates get {@code threads} threads. */
    public static <T> T creatingWith(int threads, java.util.function.Supplier<T> create) {
        int[] slot = CREATING_WITH.get();
        int before = slot[0];
        slot[0] = threads;
        try {
            return create.get();
        } finally {
            slot[0] = before;
        }
    }

    /** True when the loaded oneDNN runs on OpenMP, whose thread count kdnn can set. */
    public static boolean controllable() {
        return NativeLibrary.load().cpuRuntime() == dnnl_h.DNNL_RUNTIME_OMP();
    }

    /** Makes the calling thread create primitives with the call's thread count (else {@link #count()}). */
    static void applyToCurrentThread() {
        if (controllable()) {
            int t = creatingCount();
            omp_h.omp_set_num_threads(t);
            OPENMP_THREADS.get()[0] = t;
        }
    }

    /**
     * Makes OpenMP give this thread's next parallel regions {@code threads} threads: a primitive
     * runs with the count it was created for, whatever the thread last created (a layer small
     * enough for one thread would otherwise leave every later primitive on this thread one).
     */
    static void runWith(int threads) {
        int[] current = OPENMP_THREADS.get();
        if (current[0] != threads && controllable()) {
            omp_h.omp_set_num_threads(threads);
            current[0] = threads;
        }
        if (threads > 1) current[1]++;
    }

    /** Counts a parallel region of more than one thread that this thread starts outside a primitive. */
    static void startingTeam() {
        OPENMP_THREADS.get()[1]++;
    }

    /** A mark of the parallel regions this thread has started, for {@link #teamsSince}. */
    public static int teamMark() {
        return OPENMP_THREADS.get()[1];
    }

    /**
     * True when this thread has started a parallel region of more than one thread since
     * {@code mark}, so that OpenMP keeps a team of threads for it, or when it runs a split turn's
     * lane, whose regions are narrower than a lone call's would be.
     */
    public static boolean teamsSince(int mark) {
        return OPENMP_THREADS.get()[1] != mark || CALL_COUNT.get()[0] > 0;
    }

    /** The thread count a primitive created on this thread now gets (when oneDNN runs on OpenMP). */
    static int creatingCount() {
        int t = CREATING_WITH.get()[0];
        return t > 0 ? t : count;
    }

    /** What OpenMP would give a parallel region started from this thread now. */
    public static int openMpMaxThreads() {
        return controllable() ? omp_h.omp_get_max_threads() : -1;
    }

    /** The largest CPU cache's size in bytes ({@link CpuCaches}); 0 where it is unknown. */
    public static long lastLevelCacheBytes() {
        return CpuCaches.lastLevel();
    }

    private static Policy defaultPolicy() {
        ProcessSetting set = ProcessSetting.read("kdnn.threads.policy", "KDNN_THREADS_POLICY");
        return set.given() ? parsePolicy(set.value(), set.from()) : Policy.SPLIT_WHEN_SAME;
    }

    /** A policy by its name in any case; {@code from} names the setting it came from. */
    static Policy parsePolicy(String s, String from) {
        for (Policy p : Policy.values()) {
            if (p.name().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        String names = java.util.Arrays.stream(Policy.values()).map(p -> p.name().toLowerCase(java.util.Locale.ROOT))
                .collect(java.util.stream.Collectors.joining(", "));
        throw new IllegalArgumentException(from + " must be one of " + names + "; got '" + s + "'");
    }

    private static int defaultCount() {
        ProcessSetting set = ProcessSetting.read("kdnn.threads", "KDNN_THREADS");
        if (!set.given()) {
            return Runtime.getRuntime().availableProcessors();
        }
        String s = set.value();
        String from = set.from();
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(from + " must be a whole number >= 1, got '" + s + "'");
    }
}
