package io.chronicle.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void freePortsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
        int ephemeralStart = Integer.parseInt(
                Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+")[0]);
        for (int round = 0; round < 20; round++) {
            int[] ports = Ports.free(3);
            assertThat(ports).doesNotHaveDuplicates();
            for (int port : ports) {
                assertThat(port).isLessThan(ephemeralStart);
                Ports.requireFree(port);
            }
        }
    }
}
