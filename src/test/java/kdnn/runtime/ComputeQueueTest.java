package kdnn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queue of predictions the compute threads take: turns of the gate shared with calls that
 * run on their callers, failures and interrupts back to the caller, calls made from inside a turn.
 */
class ComputeQueueTest {
    private int countBefore;
    private Threads.Policy policyBefore;

    @BeforeEach
    void twoThreadCalls() {
        assumeTrue(Threads.controllable(), "compute threads serve OpenMP builds only");
        countBefore = Threads.count();
        policyBefore = Threads.policy();
        Threads.setCount(2); // calls of two threads go to compute threads
    }

    @AfterEach
    void restore() {
        if (countBefore > 0) Threads.setCount(countBefore);
        if (policyBefore != null) Threads.setPolicy(policyBefore);
    }

    /** What each call saw: its thread's count, how many calls ran at once, which caller and call it was. */
    private record Seen(int count, int together, int caller, int call, String thread) {
    }

    /** One call of a caller thread: which caller, which of its calls. */
    private interface CallerCall {
        void run(int caller, int call);
    }

    /** Makes 25 calls on each of 8 threads at once; returns when all are done. */
    private static void eightCallers(CallerCall call) throws InterruptedException {
        callers(8, call);
    }

    /** Makes 25 calls on each of {@code n} threads at once; returns when all are done. */
    private static void callers(int n, CallerCall call) throws InterruptedException {
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int caller = t;
            callers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 25; i++) call.run(caller, i);
            }));
        }
        for (Thread c : callers) c.join();
    }

    /** 8 callers making 25 calls each of about 1 ms, each queued with {@code workspaceBytes}; what each call saw. */
    private static List<Seen> callsFromEightThreads(long workspaceBytes, int[] mostAtOnce) throws Exception {
        return callsFromEightThreads(workspaceBytes, null, mostAtOnce);
    }

    /** {@link #callsFromEightThreads(long, int[])} for calls whose sameness with one thread {@code sameness} checks. */
    private static List<Seen> callsFromEightThreads(long workspaceBytes, LaneCheck sameness, int[] mostAtOnce)
            throws Exception {
        AtomicInteger running = new AtomicInteger();
        List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        eightCallers((caller, call) -> Threads.runAdmitted(true, workspaceBytes, sameness, () -> {
            int now = running.incrementAndGet();
            LockSupportSleep.micros(1000);
            seen.add(new Seen(Threads.count(), Math.max(now, running.get()), caller, call, Thread.currentThread().getName()));
            running.decrementAndGet();
        }));
        synchronized (mostAtOnce) {
            mostAtOnce[0] = seen.stream().mapToInt(Seen::together).max().orElse(0);
        }
        assertEquals(200, seen.size(), "every call ran once");
        return seen;
    }

    @Test
    void aSplitTurnRunsQueuedCallsSideBySideWithOneThreadEach() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        int splitsBefore = Threads.splitTurns();
        int[] most = {0};
        List<Seen> seen = callsFromEightThreads(1024, most);
        assertTrue(Threads.splitTurns() > splitsBefore, "with 8 callers queueing, some turns split");
        assertTrue(most[0] <= Threads.count() * Threads.callsAtOnce(), "at most count calls of one thread at once per turn,"
                + " saw " + most[0]);
        assertTrue(seen.stream().anyMatch(s -> s.together() > 1), "calls ran side by side");
        for (Seen s : seen) {
            assertTrue(s.together() == 1 || s.count() == 1, "a call beside another runs with one thread: " + s);
            assertTrue(s.thread().startsWith("kdnn-compute-"), s.thread());
        }
        assertTrue(seen.stream().anyMatch(s -> s.thread().contains("-helper-")), "helpers ran some");
    }

    @Test
    void aSplitTurnGoesOnWithQueuedCallsButNotPastACallerWaitingForTheGate() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        int splitsBefore = Threads.splitTurns();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger queuedCalls = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            callers.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    Threads.runAdmitted(true, 1024, () -> LockSupportSleep.micros(1000));
                    queuedCalls.incrementAndGet();
                }
            }));
        }
        try {
            while (queuedCalls.get() < 100) Thread.sleep(5);
            // a call on its caller (a small prediction) waits for the gate, which a split turn holds
            Thread small = Thread.ofPlatform().start(() -> Threads.runAdmitted(false, () -> { }));
            small.join(2000);
            boolean admitted = !small.isAlive();
            stop.set(true);
            small.join();
            assertTrue(admitted, "a split turn under load let a caller waiting for the gate in within 2 s");
        } finally {
            stop.set(true);
            for (Thread c : callers) c.join();
        }
        int turns = Threads.splitTurns() - splitsBefore;
        assertTrue(turns > 0 && turns * 4 < queuedCalls.get(), "lanes went on with queued calls: " + turns
                + " split turns for " + queuedCalls.get() + " calls");
    }

    @Test
    void aLaneWaitsForACallerSlowerThanAMomentWhenItsPredictionsAreLong() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        // a VM that stops a caller for more than a lane's 3 ms breaks the chain by itself: up to three
        // attempts (a lane that ended at the first pause would run 2 of 16 in every one)
        int turns = 0;
        long inTurns = 0;
        for (int attempt = 0; attempt < 3 && inTurns < 8; attempt++) {
            int splitsBefore = Threads.splitTurns();
            long predictionsBefore = Threads.splitPredictions();
            // a first call holds the turn while both callers queue, so the next turn splits; then calls
            // of 96 ms (a lane looks 3 ms for the next) with each caller queueing its next 300 us after
            // its result, past the 100 us a lane of short calls looks
            CountDownLatch holding = new CountDownLatch(1);
            Thread first = Thread.ofPlatform().start(() -> Threads.runAdmitted(true, 1024, () -> {
                holding.countDown();
                LockSupportSleep.micros(30_000);
            }));
            holding.await();
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                callers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 8; i++) {
                        Threads.runAdmitted(true, 1024, () -> LockSupportSleep.micros(96_000));
                        LockSupportSleep.micros(300);
                    }
                }));
            }
            first.join();
            for (Thread c : callers) c.join();
            turns = Threads.splitTurns() - splitsBefore;
            inTurns = Threads.splitPredictions() - predictionsBefore;
        }
        // a turn that ended at the first pause would run 2, the callers then taking lone turns by turns;
        // (a turn may also have begun before the counts were read: a lane an earlier test left looking
        // for its next call, which in the full suite took all 16 once, so the turns are not counted)
        assertTrue(inTurns >= 8, "the lanes went on past the callers' pauses: " + turns
                + " split turns ran " + inTurns + " of 16 calls");
    }

    @Test
    void aTurnSplitsOnlyWhenEachOfTheCountsThreadsGetsAPrediction() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setCount(3);
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Integer> counts = java.util.Collections.synchronizedList(new ArrayList<>());
        CallerCall call = (caller, i) -> Threads.runAdmitted(true, 1024, () -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            counts.add(Threads.count());
            LockSupportSleep.micros(1000);
            running.decrementAndGet();
        });
        int splitsBefore = Threads.splitTurns();
        callers(2, call); // at most one waits beside the running one: fewer than 3
        assertEquals(splitsBefore, Threads.splitTurns(), "two callers never fill three threads");
        assertEquals(1, most.get());
        assertTrue(counts.stream().allMatch(c -> c == 3), counts.toString());
        callers(8, call);
        assertTrue(Threads.splitTurns() > splitsBefore, "eight callers do");
        assertEquals(3, most.get(), "three at once, one thread each");
        assertTrue(counts.contains(1), "some ran with one thread");
    }

    @Test
    void lanesAreTheLargestDivisorOfTheCountTheWaitingCallsFill() {
        assertEquals(8, ComputeThreads.lanes(16, 8));
        assertEquals(4, ComputeThreads.lanes(16, 7));
        assertEquals(2, ComputeThreads.lanes(16, 3));
        assertEquals(16, ComputeThreads.lanes(16, 40));
        assertEquals(1, ComputeThreads.lanes(16, 1));
        assertEquals(2, ComputeThreads.lanes(2, 8));
        assertEquals(1, ComputeThreads.lanes(3, 2));
        assertEquals(4, ComputeThreads.lanes(12, 5));
        assertEquals(1, ComputeThreads.lanes(7, 6));
        // where a width's check differs, the next smaller divisor whose width all may run at
        assertEquals(2, ComputeThreads.lanes(4, 4, l -> 4 / l >= 2), "lanes of one differ: two lanes of two");
        assertEquals(4, ComputeThreads.lanes(16, 8, l -> 16 / l >= 4), "widths under 4 differ: four lanes of four");
        assertEquals(1, ComputeThreads.lanes(16, 8, l -> false), "no width the same: no split");
        assertEquals(8, ComputeThreads.lanes(16, 8, l -> true));
    }

    /** A call of about 1 ms, checked by {@code check} (or none), that records {count, how many ran at once} in {@code seen}. */
    private static CallerCall recordingCall(LaneCheck check, List<int[]> seen) {
        AtomicInteger running = new AtomicInteger();
        return (caller, i) -> Threads.runAdmitted(true, 1024, check, () -> {
            int now = running.incrementAndGet();
            LockSupportSleep.micros(1000);
            seen.add(new int[] {Threads.count(), Math.max(now, running.get())});
            running.decrementAndGet();
        });
    }

    @Test
    void onFourThreadsThreeCallersSplitIntoTwoLanesOfTwoThreads() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setCount(4);
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        List<int[]> seen = java.util.Collections.synchronizedList(new ArrayList<>()); // {count, together}
        CallerCall call = recordingCall(null, seen);
        int splitsBefore = Threads.splitTurns();
        callers(3, call); // the third waits: three lanes would not divide four threads
        assertTrue(Threads.splitTurns() > splitsBefore, "three callers fill two lanes of two threads");
        assertTrue(seen.stream().anyMatch(s -> s[1] == 2 && s[0] == 2), "two at once, two threads each");
        for (int[] s : seen) {
            assertTrue(s[1] <= 2, "never more than two lanes at once");
            assertTrue(s[1] == 1 && s[0] == 4 || s[0] == 2, "alone with all four, or in a lane of two: count " + s[0]);
        }
        // and lanes whose workspaces fit the cache only twice never make a turn of more lanes
        seen.clear();
        callsFromEightThreads(Threads.lastLevelCacheBytes() / 2, new int[1]).forEach(s -> seen.add(new int[] {s.count(), s.together()}));
        assertTrue(seen.stream().allMatch(s -> s[1] <= 2 && s[0] * s[1] <= 4), "at most two lanes of two");
    }

    @Test
    void splitWhenSameChecksTheLanesWidth() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setCount(4);
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_SAME);
        List<CheckRun> runs = java.util.Collections.synchronizedList(new ArrayList<>());
        // one thread adds in another order; two threads in the same as four
        LaneCheck check = recordedCheck(runs, count -> new long[] {count == 1 ? 3 : 8});
        List<int[]> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        CallerCall call = recordingCall(check, seen);
        int splitsBefore = Threads.splitTurns();
        callers(3, call);
        assertEquals(List.of(4, 2), runs.stream().map(CheckRun::count).toList(), "the team's run, then a lane's of two");
        assertTrue(Threads.splitTurns() > splitsBefore, "lanes of two split");
        seen.clear();
        callers(8, call);
        assertTrue(seen.stream().noneMatch(s -> s[0] == 1), "no call ran in a lane of one thread, which differs");
        assertTrue(seen.stream().anyMatch(s -> s[0] == 2 && s[1] == 2), "eight callers, whose lanes of one differ,"
                + " ran in lanes of two");
        assertTrue(runs.stream().map(CheckRun::count).toList().containsAll(List.of(4, 2)), runs.toString());
        assertTrue(runs.size() <= 3, "each width checked once, the team's run shared: " + runs);
    }

    @Test
    void callsThatDoNotFitTheCacheTogetherNeverShareATurn() throws Exception {
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        int splitsBefore = Threads.splitTurns();
        int[] most = {0};
        List<Seen> seen = callsFromEightThreads(Math.max(1, Threads.lastLevelCacheBytes() / 2 + 1), most);
        assertEquals(splitsBefore, Threads.splitTurns(), "no turn split");
        assertEquals(1, most[0], "one call at a time");
        assertTrue(seen.stream().allMatch(s -> s.count() == 2), "each with the whole count");
    }

    @Test
    void shareCoresNeverSplits() throws Exception {
        Threads.setPolicy(Threads.Policy.SHARE_CORES);
        int splitsBefore = Threads.splitTurns();
        int[] most = {0};
        List<Seen> seen = callsFromEightThreads(1024, most);
        assertEquals(splitsBefore, Threads.splitTurns(), "no turn split");
        assertTrue(seen.stream().allMatch(s -> s.count() == 2 && s.together() == 1), "one call at a time, all threads");
    }

    /** Where and with which count a check's runs went. */
    private record CheckRun(String thread, int count) {
    }

    /** A check whose runs give {@code digest} of the count they run with, recording each run. */
    private static LaneCheck recordedCheck(List<CheckRun> runs, java.util.function.IntFunction<long[]> digest) {
        return new LaneCheck(() -> {
            runs.add(new CheckRun(Thread.currentThread().getName(), Threads.count()));
            return digest.apply(Threads.count());
        });
    }

    @Test
    void splitWhenSameSplitsCallsWhoseCheckFoundOneThreadTheSame() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_SAME);
        List<CheckRun> runs = java.util.Collections.synchronizedList(new ArrayList<>());
        int splitsBefore = Threads.splitTurns();
        int[] most = {0};
        List<Seen> seen = callsFromEightThreads(1024, recordedCheck(runs, count -> new long[] {7, 9}), most);
        assertTrue(Threads.splitTurns() > splitsBefore, "with 8 callers queueing, some turns split");
        assertTrue(seen.stream().anyMatch(s -> s.count() == 1 && s.together() > 1), "calls ran side by side, one thread each");
        assertEquals(2, runs.size(), "checked once, both ways: " + runs);
        assertEquals(List.of(2, 1), runs.stream().map(CheckRun::count).toList(), "the team's run, then one thread's");
        assertTrue(runs.stream().allMatch(r -> r.thread().startsWith("kdnn-compute-") && !r.thread().contains("-helper-")),
                "checked by a compute thread, outside any lane: " + runs);
    }

    @Test
    void splitWhenSameNeverSplitsCallsWhoseOneThreadResultsDiffer() throws Exception {
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_SAME);
        List<CheckRun> runs = java.util.Collections.synchronizedList(new ArrayList<>());
        int splitsBefore = Threads.splitTurns();
        int[] most = {0};
        List<Seen> seen = callsFromEightThreads(1024, recordedCheck(runs, count -> new long[] {7, count}), most);
        assertEquals(splitsBefore, Threads.splitTurns(), "no turn split");
        assertTrue(seen.stream().allMatch(s -> s.count() == 2 && s.together() == 1), "one call at a time, all threads");
        assertTrue(runs.size() <= 2, "checked at most once: " + runs);
        // nor calls it cannot check, nor those whose check fails
        seen = callsFromEightThreads(1024, null, most);
        seen.addAll(callsFromEightThreads(1024, new LaneCheck(() -> {
            throw new IllegalStateException("no check input");
        }), most));
        assertEquals(splitsBefore, Threads.splitTurns(), "no turn split");
        assertTrue(seen.stream().allMatch(s -> s.count() == 2 && s.together() == 1), "one call at a time, all threads");
    }

    @Test
    void aCheckRunsAgainForANewCount() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_SAME);
        List<CheckRun> runs = java.util.Collections.synchronizedList(new ArrayList<>());
        LaneCheck check = recordedCheck(runs, count -> new long[] {count == 3 ? 5 : 1});
        int[] most = {0};
        callsFromEightThreads(1024, check, most);
        assertEquals(2, runs.size(), runs.toString());
        Threads.setCount(3);
        int splitsBefore = Threads.splitTurns();
        callsFromEightThreads(1024, check, most);
        assertEquals(List.of(2, 1, 3, 1), runs.stream().map(CheckRun::count).toList(), "checked again for 3 threads");
        assertEquals(splitsBefore, Threads.splitTurns(), "3 threads differ from one: no turn split");
    }

    @Test
    void eachCallerOfASplitTurnGetsItsOwnFailure() throws Exception {
        assumeTrue(Threads.lastLevelCacheBytes() > 0, "the cache's size is unknown here: nothing splits");
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        int splitsBefore = Threads.splitTurns();
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        eightCallers((caller, call) -> {
            String mine = "caller " + caller + " call " + call;
            try {
                Threads.runAdmitted(true, 1024, () -> {
                    LockSupportSleep.micros(500);
                    throw new IllegalStateException(mine);
                });
                wrong.add(mine + ": returned");
            } catch (IllegalStateException e) {
                if (!mine.equals(e.getMessage())) wrong.add(mine + ": got " + e.getMessage());
            }
        });
        assertEquals(List.of(), wrong);
        assertTrue(Threads.splitTurns() > splitsBefore, "some turns split");
    }

    @Test
    void theCachesSizeReadsSysfsForms() {
        assertEquals(32L << 20, CpuCaches.parseSize("32768K"));
        assertEquals(1L << 20, CpuCaches.parseSize("1M"));
        assertEquals(512, CpuCaches.parseSize("512"));
    }

    @Test
    void anUnknownPolicyNamesTheSettingAndTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Threads.parsePolicy("fast", "system property kdnn.threads.policy"));
        assertEquals("system property kdnn.threads.policy must be one of share_cores, split_when_same, split_when_queued, fixed;"
                + " got 'fast'",
                e.getMessage());
        assertEquals(Threads.Policy.SPLIT_WHEN_QUEUED, Threads.parsePolicy(" Split_When_Queued ", "x"));
    }

    @Test
    void queuedAndCallerRunCallsShareTheGatesTurns() throws Exception {
        // a queued call runs the count's threads, a caller-run one (steps of one thread) one: never more than the cores
        int cores = Math.max(Runtime.getRuntime().availableProcessors(), Threads.count());
        AtomicInteger threadsRunning = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Set<String> computeThreads = ConcurrentHashMap.newKeySet();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            boolean queued = t % 2 == 0;
            int threads = queued ? Threads.count() : 1;
            callers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 25; i++) {
                    Threads.runAdmitted(queued, () -> {
                        most.accumulateAndGet(threadsRunning.addAndGet(threads), Math::max);
                        if (queued) computeThreads.add(Thread.currentThread().getName());
                        LockSupportSleep.micros(200);
                        threadsRunning.addAndGet(-threads);
                    });
                }
            }));
        }
        for (Thread c : callers) c.join();
        assertTrue(most.get() <= cores, "at most " + cores + " threads at once, saw " + most.get());
        assertTrue(!computeThreads.isEmpty() && computeThreads.stream().allMatch(n -> n.startsWith("kdnn-compute-")),
                computeThreads.toString());
    }

    @Test
    void callsOfOneThreadRunAsManyAtOnceAsThereAreCores() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        assumeTrue(cores >= 2, "one core: one call at a time");
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        callers(4, (caller, call) -> Threads.runAdmitted(false, () -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            LockSupportSleep.micros(500);
            running.decrementAndGet();
        }));
        assertTrue(most.get() >= 2 && most.get() <= cores, "2 to " + cores + " at once, saw " + most.get());
        // a count above the cores: one-thread calls still no more than the cores
        Threads.setCount(2 * cores);
        most.set(0);
        callers(4, (caller, call) -> Threads.runAdmitted(false, () -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            LockSupportSleep.micros(500);
            running.decrementAndGet();
        }));
        assertTrue(most.get() >= 2 && most.get() <= cores, "count " + 2 * cores + ": 2 to " + cores + " at once, saw "
                + most.get());
    }

    @Test
    void aCallOfTheCountsThreadsGetsItsTurnAmongAStreamOfOneThreadCalls() throws Exception {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "one core: every call takes the whole gate");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger oneThreadCalls = new AtomicInteger();
        List<Thread> stream = new ArrayList<>();
        for (int t = 0; t < 4; t++) { // back to back, so the gate is seldom all free by chance
            stream.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    Threads.runAdmitted(false, () -> LockSupportSleep.micros(300));
                    oneThreadCalls.incrementAndGet();
                }
            }));
        }
        try {
            while (oneThreadCalls.get() < 20) Thread.onSpinWait();
            int before = oneThreadCalls.get();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                for (int i = 0; i < 20; i++) Threads.runAdmitted(true, () -> LockSupportSleep.micros(300));
            }, "20 calls of the count's threads among one-thread calls");
            // each waits for the one-thread calls already admitted, not for a moment when none is:
            // about 6 of them per call here, where one that had to wait for all permits free at once
            // saw 130-420 of them run first
            int during = oneThreadCalls.get() - before;
            assertTrue(during < 20 * 20, during + " one-thread calls ran during 20 calls of the count's threads");
        } finally {
            stop.set(true);
            for (Thread t : stream) t.join();
        }
    }

    @Test
    void aFailureReachesItsCaller() {
        IllegalArgumentException thrown = new IllegalArgumentException("x must be 1, got 2");
        IllegalArgumentException got = assertThrows(IllegalArgumentException.class,
                () -> Threads.runAdmitted(true, () -> {
                    throw thrown;
                }));
        assertSame(thrown, got);
        int[] after = {0};
        Threads.runAdmitted(true, () -> after[0]++); // the compute thread outlives a failure
        assertEquals(1, after[0]);
    }

    @Test
    void aCallFromInsideATurnRunsInIt() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            String[] inner = new String[1];
            Threads.runAdmitted(true, () -> Threads.runAdmitted(true, () -> inner[0] = Thread.currentThread().getName()));
            assertTrue(inner[0].startsWith("kdnn-compute-"), inner[0]);
            // a call of one-thread steps, or a layer's, inside the turn: the turn already holds the gate
            Threads.runAdmitted(true, () -> Threads.runAdmitted(false, () -> inner[0] = Thread.currentThread().getName()));
            assertTrue(inner[0].startsWith("kdnn-compute-"), inner[0]);
            Threads.runAdmitted(true, () -> Threads.exitCall(Threads.enterCall(), false));
        });
    }

    @Test
    void anInterruptedCallerWaitsForItsResultAndStaysInterrupted() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        int[] ran = {0};
        boolean[] interrupted = {false};
        Thread caller = Thread.ofPlatform().start(() -> {
            Threads.runAdmitted(true, () -> {
                started.countDown();
                LockSupportSleep.micros(50_000);
                ran[0]++;
            });
            interrupted[0] = Thread.currentThread().isInterrupted();
        });
        started.await();
        caller.interrupt();
        caller.join(20_000);
        assertEquals(1, ran[0], "the call finished before its caller went on");
        assertTrue(interrupted[0], "the interrupt is kept");
    }

    /** Sleeps without looking at the interrupt flag (a body must not clear its caller's). */
    private static final class LockSupportSleep {
        static void micros(long us) {
            long end = System.nanoTime() + us * 1000;
            while (System.nanoTime() < end) {
                java.util.concurrent.locks.LockSupport.parkNanos(end - System.nanoTime());
            }
        }
    }
}
