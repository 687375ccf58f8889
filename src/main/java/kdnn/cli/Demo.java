package kdnn.cli;

import java.io.PrintStream;

/** {@code kdnn demo}: the main job. */
final class Demo {
    private Demo() {
    }

    static int run(PrintStream out) {
        out.println("demo: not yet");
        return 1;
    }
}
