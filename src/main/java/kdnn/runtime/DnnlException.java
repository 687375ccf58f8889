package kdnn.runtime;

/** A oneDNN C function returned a status other than {@code dnnl_success}. */
public final class DnnlException extends RuntimeException {
    private final String function;
    private final int status;

    DnnlException(String function, int status, String detail) {
        super(function + " failed with " + Dnnl.statusName(status) + (detail == null ? "" : ": " + detail));
        this.function = function;
        this.status = status;
    }

    /** The C function that failed. */
    public String function() {
        return function;
    }

    /** The {@code dnnl_status_t} it returned. */
    public int status() {
        return status;
    }
}
