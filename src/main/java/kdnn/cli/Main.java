package kdnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/** The kdnn command line: {@code kdnn demo|info|golden|run|summary|convert|stress ...} ({@code test} and {@code bench} start in the launcher). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command, writing its results to {@code out} and usage errors to {@code err}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String cmd = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        if (cmd.equals("help") || cmd.equals("--help") || cmd.equals("-h")) {
            out.print(Usage.overview());
            return 0;
        }
        if (!Usage.known(cmd)) {
            err.println("kdnn: unknown command '" + cmd + "'");
            err.print(Usage.overview());
            return 2;
        }
        if (Usage.wantsHelp(rest)) {
            out.print(Usage.of(cmd));
            return 0;
        }
        if (cmd.equals("test") || cmd.equals("bench") || cmd.equals("docs")) {
            err.println("kdnn: '" + cmd + "' runs from the ./kdnn launcher in the repository (it needs Maven or the test classes)");
            return 2;
        }
        if ((cmd.equals("demo") || cmd.equals("info")) && rest.length > 0) {
            err.println("kdnn " + cmd + ": unexpected argument '" + rest[0] + "'");
            err.print(Usage.of(cmd));
            return 2;
        }
        try {
            kdnn.runtime.NativeLibrary.load(); // a library problem is one clear line, before any layer exists
            return switch (cmd) {
                case "golden" -> golden(rest, out, err);
                case "info" -> Info.print(out);
                case "demo" -> Demo.run(out);
                case "run" -> ModelRun.main(rest, out, err);
                case "summary" -> ModelRun.summary(rest, out, err);
                case "convert" -> Convert.main(rest, out, err);
                case "stress" -> Stress.main(rest, out, err);
                default -> throw new IllegalStateException("command " + cmd + " has a usage but no implementation");
            };
        } catch (kdnn.runtime.NativeLibraryException e) {
            err.println("kdnn: " + e.getMessage());
            return 1;
        }
    }

    private static int golden(String[] dirs, PrintStream out, PrintStream err) throws IOException {
        if (dirs.length == 0 || Arrays.stream(dirs).anyMatch(d -> d.startsWith("-"))) {
            err.print(Usage.of("golden"));
            return 2;
        }
        try {
            return GoldenRunner.runAll(out, Arrays.stream(dirs).map(Path::of).toArray(Path[]::new)) == 0 ? 0 : 1;
        } catch (IOException e) {
            err.println("kdnn golden: " + e.getMessage());
            return 2;
        }
    }
}
