package io.chronicle.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback ports: picking free ones and checking whether one accepts connections. */
final class Ports {

    static final String HOST = "127.0.0.1";
    private static final int CONNECT_TIMEOUT_MS = 500;

    private Ports() {}

    /**
     * Returns {@code count} distinct ports that were free a moment ago. All sockets are held open
     * together so the kernel cannot hand out the same port twice.
     */
    static int[] free(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = bind(0);
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
