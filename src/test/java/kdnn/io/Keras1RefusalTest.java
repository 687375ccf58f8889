package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models.load refuses Keras 1 files and configs, saying that they are Keras 1's. */
class Keras1RefusalTest {
    private static final String KERAS2_CONV = "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": ["
            + "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\", \"filters\": 2, \"kernel_size\": [3, 3],"
            + " \"batch_input_shape\": [null, 8, 8, 1]}}]}}";

    @TempDir
    Path tmp;

    private static void assertKeras1(Executable load) {
        ModelFileException e = assertThrows(ModelFileException.class, load::run);
        assertTrue(e.getMessage().contains("Keras 1"), e.getMessage());
    }

    interface Executable {
        void run() throws IOException;
    }

    @Test
    void aKeras1HdfFileIsRefusedByItsVersion() {
        Path file = tmp.resolve("old.h5");
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            h5.putAttribute("keras_version", "1.2.2");
            h5.putAttribute("backend", "tensorflow");
            h5.putAttribute("model_config", KERAS2_CONV);
        }
        assertKeras1(() -> Models.load(file));
    }

    @Test
    void aConfigWithKeras1VersionIsRefused() throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, KERAS2_CONV.substring(0, KERAS2_CONV.length() - 1) + ", \"keras_version\": \"1.1.0\"}");
        assertKeras1(() -> Models.load(file));
    }

    @Test
    void aKeras1ClassNameIsRefused() throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, "{\"class_name\": \"Sequential\", \"config\": [{\"class_name\": \"Convolution2D\","
                + " \"config\": {\"name\": \"c\", \"nb_filter\": 2, \"nb_row\": 3, \"nb_col\": 3,"
                + " \"batch_input_shape\": [null, 8, 8, 1]}}]}");
        assertKeras1(() -> Models.load(file));
    }

    @Test
    void aKeras1ArgumentIsRefused() throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, KERAS2_CONV.replace("\"filters\": 2", "\"filters\": 2, \"border_mode\": \"same\""));
        assertKeras1(() -> Models.load(file));
    }
}
