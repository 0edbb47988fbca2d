package io.chronicle.operators.state;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Rewrites a name inside a heap snapshot, to make the snapshot an earlier version of the job
 * would have written: a state or class named otherwise. A heap snapshot holds names as plain
 * (modified) UTF-8 and positions as offsets, so a name is replaced by one of the same length.
 */
public final class Snapshots {

    private Snapshots() {}

    public static OperatorSubtaskState renamed(OperatorSubtaskState state, Path dir, String from, String to)
            throws Exception {
        byte[] fromBytes = from.getBytes(StandardCharsets.UTF_8);
        byte[] toBytes = to.getBytes(StandardCharsets.UTF_8);
        if (fromBytes.length != toBytes.length) {
            throw new IllegalArgumentException(from + " and " + to + " differ in length");
        }
        Path file = Files.createTempFile(dir, "snapshot", ".bin");
        OperatorSnapshotUtil.writeStateHandle(state, file.toString());
        byte[] bytes = Files.readAllBytes(file);
        int replaced = 0;
        for (int i = 0; i + fromBytes.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + fromBytes.length, fromBytes, 0, fromBytes.length)) {
                System.arraycopy(toBytes, 0, bytes, i, toBytes.length);
                replaced++;
            }
        }
        if (replaced == 0) {
            throw new IllegalArgumentException(from + " is not in the snapshot");
        }
        Files.write(file, bytes);
        return OperatorSnapshotUtil.readStateHandle(file.toString());
    }
}
