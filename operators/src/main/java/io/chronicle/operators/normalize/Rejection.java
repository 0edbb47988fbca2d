package io.chronicle.operators.normalize;

import io.chronicle.core.RejectReason;

/**
 * Why a record was refused. Thrown only inside normalization and caught at its boundary; it
 * carries no stack trace because bad input is expected, not exceptional.
 */
public final class Rejection extends Exception {

    private static final long serialVersionUID = 1L;

    private final RejectReason reason;

    public Rejection(RejectReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
