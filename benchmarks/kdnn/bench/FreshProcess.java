package kdnn.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import kdnn.runtime.Threads;

/**
 * A model file's load, plan and first prediction in a JVM of their own, as a program that starts,
 * loads a model and answers one request sees them (nothing loaded or compiled yet; the
 * benchmark's own figures come from a JVM that has run other models): {@code kdnn run FILE} in a
 * child started with this JVM's Java, class or module path and thread count, whose line of times
 * is read back.
 */
final class FreshProcess {
    /** What {@code kdnn run} prints before its load, plan and first-prediction milliseconds. */
    static final String TIMES_LINE = "times in this process: load ";

    /** Milliseconds of each phase in the child. */
    record Times(double loadMs, double planMs, double firstMs) {
    }

    private FreshProcess() {
    }

    /** Runs {@code kdnn run file} in a new JVM and returns its times. */
    static Times measure(Path file) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-Dslf4j.internal.verbosity=ERROR");
        cmd.add("-Dkdnn.threads=" + Threads.count());
        String modules = System.getProperty("jdk.module.path");
        String classes = System.getProperty("java.class.path");
        if (modules != null && !modules.isEmpty()) { // kdnn as a module (as the tests run it)
            cmd.addAll(List.of("--enable-native-access=kdnn", "--module-path", modules));
            if (classes != null && !classes.isEmpty()) cmd.addAll(List.of("-cp", classes));
            cmd.addAll(List.of("-m", "kdnn/kdnn.cli.Main"));
        } else {
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", classes, "kdnn.cli.Main"));
        }
        cmd.addAll(List.of("run", file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text;
        try (var s = p.getInputStream()) {
            text = new String(s.readAllBytes(), StandardCharsets.UTF_8);
        }
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (!ended) p.destroyForcibly();
        for (String line : text.split("\n")) {
            if (ended && p.exitValue() == 0 && line.startsWith(TIMES_LINE)) {
                // "load L ms, plan P ms, first prediction F ms"
                String[] f = line.substring(TIMES_LINE.length()).replaceAll("[^0-9. ]", " ").trim().split(" +");
                return new Times(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
            }
        }
        String tail = text.strip();
        throw new IOException("kdnn run in a JVM of its own " + (ended ? "exited " + p.exitValue() : "ran past 5 minutes")
                + " without its times: " + tail.substring(Math.max(0, tail.length() - 400)));
    }
}
