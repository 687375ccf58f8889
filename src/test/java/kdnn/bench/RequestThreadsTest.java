package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request-thread levels' visits: every level and implementation in every place, means that a drift cancels in. */
class RequestThreadsTest {
    @Test
    void requestThreadLevelsTakeEveryPlaceInRotatedRoundsAndAreAveraged() throws Exception {
        List<String> calls = new ArrayList<>();
        int[] seen = {0};
        // a machine slowing down by 10 per window: after the uncounted visit of each level (100 to
        // 70), each level's mean is the same 60 - 75
        double[] rates = RequestThreads.eachLevel(1000, (threads, ms) -> {
            calls.add(threads + "@" + ms);
            return 100 - 10 * seen[0]++;
        });
        assertEquals(List.of("1@125", "2@125", "4@125", "8@125", // the warm-up visits, half as long
                "1@250", "2@250", "4@250", "8@250", "2@250", "4@250", "8@250", "1@250",
                "4@250", "8@250", "1@250", "2@250", "8@250", "1@250", "2@250", "4@250"), calls);
        assertArrayEquals(new double[] {-15, -15, -15, -15}, rates, 1e-12);
    }

    @Test
    void implementationsTakeTurnsAtEachLevelInARotatedOrder() throws Exception {
        List<String> calls = new ArrayList<>();
        int[] seen = {0};
        // a machine slowing down by 10 per timed window: every implementation and level gets the same mean
        RequestThreads.LevelRun a = (threads, ms) -> {
            calls.add("a" + threads);
            return 100 - 10 * seen[0]++;
        };
        RequestThreads.LevelRun b = (threads, ms) -> {
            calls.add("b" + threads);
            return 100 - 10 * seen[0]++;
        };
        double[][] rates = RequestThreads.interleaved(1000, List.of(a, b));
        assertEquals(List.of("a1", "b1", "a2", "b2", "a4", "b4", "a8", "b8", // the warm-up visits
                "a1", "b1", "b2", "a2", "a4", "b4", "b8", "a8", "a2", "b2", "b4", "a4", "a8", "b8", "b1", "a1",
                "a4", "b4", "b8", "a8", "a1", "b1", "b2", "a2", "a8", "b8", "b1", "a1", "a2", "b2", "b4", "a4"), calls);
        assertArrayEquals(new double[] {-135, -135, -135, -135}, rates[0], 1e-12);
        assertArrayEquals(new double[] {-135, -135, -135, -135}, rates[1], 1e-12);
    }
}
