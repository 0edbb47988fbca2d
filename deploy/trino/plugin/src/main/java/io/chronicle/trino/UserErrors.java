package io.chronicle.trino;

import io.trino.spi.TrinoException;

import java.util.function.Supplier;

import static io.trino.spi.StandardErrorCode.INVALID_FUNCTION_ARGUMENT;

/** Chronicle's argument errors as Trino's user errors, which fail the query with their message (and TRY catches). */
final class UserErrors {

    private UserErrors() {}

    static <T> T userError(Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw new TrinoException(INVALID_FUNCTION_ARGUMENT, e.getMessage(), e);
        }
    }
}
