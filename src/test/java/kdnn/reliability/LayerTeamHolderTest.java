package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A fresh JVM's first thread to make multi-thread layer calls runs them on itself; once a second
 * thread makes one, that one goes to a compute thread and the first gives its OpenMP team back,
 * its later calls going to the compute thread too: no two threads outside the compute threads
 * keep teams, which would make libgomp throttle all of them.
 */
class LayerTeamHolderTest {
    @Test
    void theFirstCallerKeepsItsCallsUntilASecondThreadCalls() throws Exception {
        assumeTrue(kdnn.runtime.Threads.controllable(), "teams are OpenMP's");
        ChildJvm.Result r = ChildJvm.run(LayerTeamProbe.class, List.of("-XX:ActiveProcessorCount=2"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("holder=true second=false after=false same=true"), r.output());
    }
}
