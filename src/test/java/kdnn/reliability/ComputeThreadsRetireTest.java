package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Compute threads made while the count was low end when it goes up: each keeps an OpenMP team,
 * and more teams than the cores hold make libgomp throttle every one of them (the 16-thread
 * figures of the first scaling run on 16 cores, 2026-12-04, which went from 1 thread up).
 */
class ComputeThreadsRetireTest {
    @Test
    void computeThreadsBeyondTheGateEndWhenTheCountGoesUp() throws Exception {
        ChildJvm.Result r = ChildJvm.run(RetireProbe.class, List.of("-XX:ActiveProcessorCount=8"));
        assertEquals(0, r.exit(), r.output());
        Matcher m = Pattern.compile("callsAtOnce=(\\d+) before=(\\d+) after=(\\d+) served=(\\d+) at the end=(\\d+)")
                .matcher(r.output());
        assertTrue(m.find(), r.output());
        assertEquals(1, Integer.parseInt(m.group(1)), "8 processors, 8 threads: one call at a time");
        assertTrue(Integer.parseInt(m.group(2)) > 1, "4 callers at a count of 2 used several compute threads: " + r.output());
        assertEquals(1, Integer.parseInt(m.group(3)), "one left once the count went up: " + r.output());
        assertEquals(100, Integer.parseInt(m.group(4)), "and it served every call after");
        assertEquals(1, Integer.parseInt(m.group(5)), r.output());
    }

    /**
     * A compute thread's team left idle beside the callers' own under FIXED made libgomp throttle
     * every team: MobileNetV3-Large's predictions ran 3x slower after {@code setPolicy(FIXED)} in a
     * process whose model was built under the default (2026-12-06, Zen 5).
     */
    @Test
    void computeThreadsEndWhenThePolicyRunsCallsOnTheirCallers() throws Exception {
        ChildJvm.Result r = ChildJvm.run(RetireProbe.class, List.of("-XX:ActiveProcessorCount=8"));
        assertEquals(0, r.exit(), r.output());
        Matcher m = Pattern.compile("fixed: left=(\\d+) served=(\\d+) on compute threads=(\\d+); back: served=(\\d+)"
                + " on compute threads=(\\d+)").matcher(r.output());
        assertTrue(m.find(), r.output());
        assertEquals(0, Integer.parseInt(m.group(1)), "no compute thread left under FIXED: " + r.output());
        assertEquals(100, Integer.parseInt(m.group(2)), r.output());
        assertEquals(0, Integer.parseInt(m.group(3)), "FIXED runs calls on their callers: " + r.output());
        assertEquals(100, Integer.parseInt(m.group(4)), r.output());
        assertEquals(100, Integer.parseInt(m.group(5)), "back to SHARE_CORES, compute threads serve again: " + r.output());
    }
}
