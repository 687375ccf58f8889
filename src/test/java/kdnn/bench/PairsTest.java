package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How many paired chunks a comparison gets, how long each is, and which side of a pair runs first. */
class PairsTest {
    private static ArchitectureBench.Settings settings(int rounds, Timing.Budget budget) {
        return new ArchitectureBench.Settings(true, 2, rounds, budget, 1500, false, false);
    }

    @Test
    void shortCallsGetThreePairsPerRoundOfAThirdOfTheBudget() {
        ArchitectureBench.Pairs p = ArchitectureBench.Pairs.of(settings(1, new Timing.Budget(300, 700, 3)), 4_000);
        assertEquals(9, p.count());
        assertEquals(new Timing.Budget(100, 700 / 3.0, 3), p.chunk());
        // three rounds hold nine pairs too: at most three per round, and the rounds' time holds them
        assertEquals(9, ArchitectureBench.Pairs.of(settings(3, new Timing.Budget(1000, 3000, 5)), 35_000).count());
    }

    @Test
    void callsLongerThanAChunkGetAsManyPairsAsTheRoundsTimeHolds() {
        // a chunk of 0.1 s calls takes 6 calls, 0.6 s: 3 s of rounds hold 5 pairs
        assertEquals(5, ArchitectureBench.Pairs.of(settings(1, new Timing.Budget(300, 700, 3)), 100_000).count());
        // 0.44 s calls: one pair would fill the rounds' time, and three is the least
        assertEquals(3, ArchitectureBench.Pairs.of(settings(1, new Timing.Budget(300, 700, 3)), 440_000).count());
    }

    @Test
    void callsOfASecondOrMoreKeepTheirBudgetInThreePairs() {
        Timing.Budget single = new Timing.Budget(0, 0, 3);
        ArchitectureBench.Pairs p = ArchitectureBench.Pairs.of(settings(1, single), 7_000_000);
        assertEquals(3, p.count());
        assertEquals(single, p.chunk());
    }

    @Test
    void theSideThatRunsFirstAlternatesFromPairToPair() throws Exception {
        List<String> order = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            double[] us = ArchitectureBench.pair(r, () -> {
                order.add("a");
                return 1.0;
            }, () -> {
                order.add("b");
                return 2.0;
            });
            assertArrayEquals(new double[] {1.0, 2.0}, us, "pair " + r + " gives {a, b} whichever ran first");
        }
        assertEquals(List.of("a", "b", "b", "a", "a", "b", "b", "a"), order);
    }
}
