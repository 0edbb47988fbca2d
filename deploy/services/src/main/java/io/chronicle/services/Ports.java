package io.chronicle.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Loopback ports: picking free ones and checking whether one accepts connections. */
final class Ports {

    static final String HOST = "127.0.0.1";
    private static final int CONNECT_TIMEOUT_MS = 500;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Above the ports well-known services and their usual alternatives use. */
    private static final int LOWEST_PICKED = 20_000;
    private static final int MIN_PICK_RANGE = 2_000;
    private static final int PICK_ATTEMPTS = 50;

    private Ports() {}

    /**
     * Returns {@code count} distinct ports that were free a moment ago, for a child process to
     * listen on. They lie below the kernel's ephemeral range where it leaves room: a port from
     * that range may be taken as the local end of any outgoing connection before the child binds
     * it, and the child then fails to start. All sockets are held open together so no port is
     * handed out twice.
     */
    static int[] free(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = bindFree();
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                closeQuietly(socket);
            }
        }
    }

    /**
     * Fails if {@code port} is taken. Checked before starting a server because a foreign listener
     * would pass the readiness checks, and a Kafka broker that cannot bind takes long to exit.
     */
    static void requireFree(int port) {
        try (ServerSocket socket = bind(port)) {
            // Bindable, hence free.
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " on " + HOST + " is already in use", e);
        }
    }

    static boolean isOpen(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), CONNECT_TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static ServerSocket bindFree() throws IOException {
        int ephemeralStart = ephemeralRangeStart();
        if (ephemeralStart - LOWEST_PICKED >= MIN_PICK_RANGE) {
            for (int attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
                try {
                    return bind(ThreadLocalRandom.current().nextInt(LOWEST_PICKED, ephemeralStart));
                } catch (IOException taken) {
                    // Another one.
                }
            }
        }
        return bind(0);
    }

    /** The first port of the kernel's ephemeral range, or 0 where it cannot be read. */
    private static int ephemeralRangeStart() {
        try {
            // Read by lines: a /proc file reports size 0, and a read sized by it stops early.
            String range = Files.readAllLines(EPHEMERAL_RANGE).get(0).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        return new ServerSocket(port, 1, InetAddress.getByName(HOST));
    }

    private static void closeQuietly(ServerSocket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // A socket that fails to close still releases its port when this JVM exits.
        }
    }
}
