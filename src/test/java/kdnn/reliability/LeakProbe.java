package kdnn.reliability;

/** Child-JVM main for {@link LeakTest}: runs its loop and prints how much VmRSS grew, in kB. */
public final class LeakProbe {
    private LeakProbe() {
    }

    public static void main(String[] args) {
        long[] halves = LeakTest.loop(LeakTest.CALLS, Fixtures::rssKb);
        System.out.println("RSS_GROWN_KB " + (halves[0] + halves[1]));
    }
}
