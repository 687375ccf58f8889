package kdnn.model;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the example models are: {@code ${kdnn.shared}/models} and {@code functional-models} (the
 * shared golden models), then the copies bundled with kdnn under {@code /kdnn/models} and
 * {@code /kdnn/functional-models} on the class path, so the demo and the benchmarks work from a
 * plain checkout.
 */
public final class ModelFolders {
    private ModelFolders() {
    }

    /** Every Sequential model folder by name, the shared one first where both have it. */
    public static Map<String, Path> find() throws IOException {
        return find("models");
    }

    /** Every functional model folder (merges, several inputs and outputs, nested models) by name. */
    public static Map<String, Path> findFunctional() throws IOException {
        return find("functional-models");
    }

    private static Map<String, Path> find(String kind) throws IOException {
        Map<String, Path> models = new LinkedHashMap<>();
        Path shared = Path.of(System.getProperty("kdnn.shared", "../shared"), kind);
        if (Files.isDirectory(shared)) {
            in(shared).forEach(p -> models.putIfAbsent(p.getFileName().toString(), p));
        }
        Path bundled = bundled("/kdnn/" + kind);
        if (bundled != null) {
            in(bundled).forEach(p -> models.putIfAbsent(p.getFileName().toString().replaceAll("/$", ""), p));
        }
        return models;
    }

    /** The folders of {@code dir} that hold a model.json, sorted. */
    public static List<Path> in(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("model.json"))).sorted().toList();
        }
    }

    /** The bundled models as a folder: a directory on the class path, or one inside kdnn's jar. */
    private static Path bundled(String resource) throws IOException {
        URL url = ModelFolders.class.getResource(resource);
        if (url == null) {
            return null;
        }
        try {
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                try {
                    return FileSystems.getFileSystem(uri).provider().getPath(uri);
                } catch (FileSystemNotFoundException e) {
                    return FileSystems.newFileSystem(uri, Map.of()).provider().getPath(uri);
                }
            }
            return Path.of(uri);
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }
}
