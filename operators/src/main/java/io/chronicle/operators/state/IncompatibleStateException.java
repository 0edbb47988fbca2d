package io.chronicle.operators.state;

import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;

/**
 * A restored state this version cannot continue from. Not recoverable: restarting would restore
 * the same state and fail again, so the job fails at once, with the operator named.
 */
@ThrowableAnnotation(ThrowableType.NonRecoverableError)
public class IncompatibleStateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public IncompatibleStateException(String message) {
        super(message);
    }
}
