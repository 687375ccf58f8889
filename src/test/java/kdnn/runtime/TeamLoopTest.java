package kdnn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The Java loops split over the OpenMP team: every part runs, on more than one thread where the
 * work is large and two threads are allowed; a part that throws on a team thread runs again on the
 * caller, whose exception propagates; small work stays on the caller.
 */
class TeamLoopTest {
    @Test
    void everyPartRunsOnTheTeamAndSmallWorkOnTheCaller() {
        NativeLibrary.load();
        Threads.withCount(2, () -> {
            AtomicIntegerArray runs = new AtomicIntegerArray(8);
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            TeamLoop.run(1 << 20, 8, (part, parts) -> {
                assertEquals(2, parts);
                runs.incrementAndGet(part);
                threads.add(Thread.currentThread());
            });
            assertEquals(1, runs.get(0));
            assertEquals(1, runs.get(1));
            assertTrue(threads.size() == 2, "the team's threads: " + threads);
            Set<Thread> small = ConcurrentHashMap.newKeySet();
            TeamLoop.run(100, 8, (part, parts) -> {
                assertEquals(1, parts);
                small.add(Thread.currentThread());
            });
            assertEquals(Set.of(Thread.currentThread()), small);
        });
    }

    @Test
    void aPartThatFailsOnTheTeamRunsAgainOnTheCaller() {
        NativeLibrary.load();
        Threads.withCount(2, () -> {
            Thread caller = Thread.currentThread();
            AtomicIntegerArray runs = new AtomicIntegerArray(2);
            // part 1 fails off the caller: the caller runs it again, and there it succeeds
            TeamLoop.run(1 << 20, 2, (part, parts) -> {
                runs.incrementAndGet(part);
                if (part == 1 && Thread.currentThread() != caller) throw new IllegalStateException("on the team");
            });
            assertEquals(1, runs.get(0));
            assertTrue(runs.get(1) >= 1);
            // a part that fails everywhere: its exception reaches the caller
            var e = assertThrows(IllegalArgumentException.class, () -> TeamLoop.run(1 << 20, 2, (part, parts) -> {
                if (part == 1) throw new IllegalArgumentException("part 1");
            }));
            assertEquals("part 1", e.getMessage());
        });
    }

    /** Callers side by side, each starting its own team: every result the lone caller's, bitwise. */
    @Test
    void concurrentCallersEachGetTheirOwnTeam() throws Exception {
        NativeLibrary.load();
        int n = 1, c = 8, h = 40, w = 40;
        var resize = Bicubic.resize(n, c, h, w, 2 * h, 2 * w, true, true);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            var in = arena.allocate((long) n * c * h * w * Float.BYTES);
            for (long i = 0; i < (long) n * c * h * w; i++) {
                in.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i * 0.01));
            }
            var want = arena.allocate(4L * n * c * 4 * h * w);
            Threads.withCount(2, () -> resize.apply(in, want));
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                var futures = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
                for (int t = 0; t < 4; t++) {
                    futures.add(pool.submit(() -> {
                        var out = java.lang.foreign.Arena.ofAuto().allocate(want.byteSize());
                        boolean same = true;
                        for (int i = 0; i < 30; i++) {
                            Threads.withCount(2, () -> resize.apply(in, out));
                            same &= out.mismatch(want) < 0;
                        }
                        return same;
                    }));
                }
                for (var f : futures) assertTrue(f.get(), "a concurrent result differs from the lone caller's");
            } finally {
                pool.shutdown();
            }
        }
    }
}
