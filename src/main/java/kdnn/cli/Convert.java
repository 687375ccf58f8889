package kdnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import kdnn.io.Models;
import kdnn.model.Model;

/** {@code kdnn convert IN OUT}: a model file into another format, chosen by OUT's name. */
final class Convert {
    private Convert() {
    }

    static int main(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || args[0].startsWith("-") || args[1].startsWith("-")) {
            err.print(Usage.of("convert"));
            return 2;
        }
        try (Model m = Models.load(Path.of(args[0]))) {
            Models.save(m, Path.of(args[1]));
            out.println("wrote " + args[1] + " (" + m.className() + " \"" + m.name() + "\", " + m.countParams()
                    + " parameters)");
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("kdnn convert: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 1;
        }
    }
}
