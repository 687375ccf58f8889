package kdnn.layers;

import java.util.Collection;

/** A config names a layer class kdnn does not implement. */
public final class UnknownLayerException extends IllegalArgumentException {
    private final String className;

    UnknownLayerException(String className, Collection<String> known) {
        super("Unknown layer: '" + className + "'. kdnn implements " + known);
        this.className = className;
    }

    /** The class name that was asked for. */
    public String className() {
        return className;
    }
}
