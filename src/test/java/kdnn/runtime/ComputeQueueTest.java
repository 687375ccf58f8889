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

    @BeforeEach
    void twoThreadCalls() {
        assumeTrue(Threads.controllable(), "compute threads serve OpenMP builds only");
        countBefore = Threads.count();
        Threads.setCount(2); // calls of two threads go to compute threads
    }

    @AfterEach
    void restore() {
        if (countBefore > 0) Threads.setCount(countBefore);
    }

    @Test
    void queuedAndCallerRunCallsShareTheGatesTurns() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Set<String> computeThreads = ConcurrentHashMap.newKeySet();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            boolean queued = t % 2 == 0;
            callers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 25; i++) {
                    Threads.runAdmitted(queued, () -> {
                        most.accumulateAndGet(running.incrementAndGet(), Math::max);
                        if (queued) computeThreads.add(Thread.currentThread().getName());
                        LockSupportSleep.micros(200);
                        running.decrementAndGet();
                    });
                }
            }));
        }
        for (Thread c : callers) c.join();
        assertTrue(most.get() <= Threads.callsAtOnce(), "at most " + Threads.callsAtOnce() + " at once, saw " + most.get());
        assertTrue(!computeThreads.isEmpty() && computeThreads.stream().allMatch(n -> n.startsWith("kdnn-compute-")),
                computeThreads.toString());
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
