package io.chronicle.services;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server on 127.0.0.1 that reads each request, sends the response's status line and
 * headers (announcing a body) and then stalls forever: the failure a client's connect and
 * first-byte timeouts do not catch. It counts the requests it took and the connections their
 * clients gave up on (closed from the client's side), so a test sees a client abandon a stalled
 * request rather than keep its connection for ever. For tests of outages.
 */
public final class StallingHttpReceiver implements AutoCloseable {

    /** The body announced and never sent. */
    private static final byte[] HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "Content-Length: 1024\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger abandoned = new AtomicInteger();
    private volatile boolean closed;

    private StallingHttpReceiver(ServerSocket server) {
        this.server = server;
        this.acceptor = new Thread(this::accept, "stalling-receiver-" + server.getLocalPort());
        acceptor.setDaemon(true);
    }

    /** Starts listening on a free port of 127.0.0.1. */
    public static StallingHttpReceiver start() throws IOException {
        StallingHttpReceiver receiver =
                new StallingHttpReceiver(new ServerSocket(0, 50, InetAddress.getByName(Ports.HOST)));
        receiver.acceptor.start();
        return receiver;
    }

    /** The URL of {@code path} on this server. */
    public URI url(String path) {
        return URI.create("http://" + Ports.HOST + ":" + server.getLocalPort() + path);
    }

    /** Requests whose headers were answered, and stalled since. */
    public int requests() {
        return requests.get();
    }

    /** Stalled requests whose client closed the connection. */
    public int abandoned() {
        return abandoned.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                Thread connection = new Thread(() -> stall(socket), acceptor.getName() + "-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                // Closed, or a failed accept: the loop's condition decides.
            }
        }
    }

    private void stall(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            skipBody(in, readHeaders(in));
            OutputStream out = socket.getOutputStream();
            out.write(HEADERS);
            out.flush();
            requests.incrementAndGet();
            // Nothing more is sent; the read returns when the client closes its side.
            while (in.read() >= 0) {
                // A client has nothing more to say on this connection; ignore anything it does.
            }
            if (!closed) {
                abandoned.incrementAndGet();
            }
        } catch (IOException e) {
            if (!closed) {
                abandoned.incrementAndGet();
            }
        } finally {
            connections.remove(socket);
        }
    }

    /** The request's headers, read up to the blank line. */
    private static String readHeaders(InputStream in) throws IOException {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0 || headers.size() > MAX_HEADER_BYTES) {
                throw new IOException("no complete request");
            }
            headers.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return headers.toString(StandardCharsets.US_ASCII);
    }

    private static void skipBody(InputStream in, String headers) throws IOException {
        long length = headers.lines()
                .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim()))
                .findFirst().orElse(0);
        in.skipNBytes(length);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket socket : connections) {
            socket.close();
        }
    }
}
