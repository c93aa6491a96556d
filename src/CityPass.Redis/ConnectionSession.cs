using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;

namespace CityPass.Redis;

/// <summary>
/// One socket's lifetime. Callers append serialised commands to a shared buffer and their pending reply to
/// a FIFO under one lock, so byte order and FIFO order always agree; a single writer loop sends whatever
/// accumulated while its previous write was in flight (natural batching), and a single reader loop parses
/// replies and completes the FIFO head. When anything fails the session dies whole: every pending caller
/// gets a <see cref="RedisConnectionException"/> at once and the owner opens a new session.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore never creates a wait handle; the socket is released by Fail.")]
internal sealed class ConnectionSession
{
    private static readonly byte[] Asking = "*1\r\n$6\r\nASKING\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly bool _flushStream;
    private readonly ConcurrentQueue<PendingReply> _pending = new();
    private readonly Lock _writeGate = new();
    private readonly SemaphoreSlim _writeSignal = new(0);
    private byte[] _writeBuffer = GC.AllocateUninitializedArray<byte>(16 * 1024);
    private byte[] _spareBuffer = GC.AllocateUninitializedArray<byte>(16 * 1024);
    private int _writeLength;
    private bool _writeRequested;
    private bool _closed;
    private Action<ConnectionSession, RedisConnectionException>? _onFailed;
    private Func<RedisReply, bool>? _onPush;

    private ConnectionSession(RedisEndPoint endPoint, Socket socket, Stream stream, bool flushStream)
    {
        EndPoint = endPoint;
        _socket = socket;
        _stream = stream;
        _flushStream = flushStream;
    }

    public RedisEndPoint EndPoint { get; }

    /// <summary>Set once the handshake (AUTH, SELECT, script loads...) is done; callers are refused before that.</summary>
    public bool Ready { get; set; }

    public bool IsClosed => Volatile.Read(ref _closed);

    public int PendingCount => _pending.Count;

    /// <summary>Callers still waiting, oldest first; a snapshot for the timeout sweep.</summary>
    public IEnumerable<PendingReply> Pending => _pending;

    public static async Task<ConnectionSession> OpenAsync(RedisEndPoint endPoint, RedisOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(endPoint.Host, endPoint.Port, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new RedisConnectionException($"Connecting to {endPoint} timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms.");
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Ssl)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, options.CertificateValidation);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = options.SslHost ?? endPoint.Host,
                }, timeout.Token);
                stream = ssl;
            }

            return new ConnectionSession(endPoint, socket, stream, flushStream: options.Ssl);
        }
        catch (Exception ex) when (ex is not RedisConnectionException and not OperationCanceledException)
        {
            socket.Dispose();
            throw new RedisConnectionException($"Could not connect to {endPoint}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <param name="onFailed">Called once when the session dies, after every pending caller has been failed.</param>
    /// <param name="onPush">Gets out-of-band frames (pub/sub messages); returns true when it consumed the frame.</param>
    public void Start(Action<ConnectionSession, RedisConnectionException> onFailed, Func<RedisReply, bool>? onPush)
    {
        _onFailed = onFailed;
        _onPush = onPush;
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues a command; false when the session is already closed (nothing was queued).</summary>
    public bool TryWrite(ReadOnlySpan<byte> command, PendingReply pending, bool asking = false)
    {
        bool signal;
        lock (_writeGate)
        {
            if (_closed) return false;
            var needed = command.Length + (asking ? Asking.Length : 0);
            if (_writeLength + needed > _writeBuffer.Length) Grow(needed);
            if (asking)
            {
                Asking.CopyTo(_writeBuffer.AsSpan(_writeLength));
                _writeLength += Asking.Length;
                _pending.Enqueue(PendingReply.Discard);
            }

            command.CopyTo(_writeBuffer.AsSpan(_writeLength));
            _writeLength += command.Length;
            _pending.Enqueue(pending);
            signal = !_writeRequested;
            _writeRequested = true;
        }

        if (signal) _writeSignal.Release();
        return true;
    }

    /// <summary>Kills the session: closes the socket and fails every pending caller. Safe to call more than once.</summary>
    public void Fail(Exception reason)
    {
        lock (_writeGate)
        {
            if (_closed) return;
            _closed = true;
        }

        var error = reason as RedisConnectionException
            ?? new RedisConnectionException($"Connection to {EndPoint} lost: {reason.Message}", reason);
        try { _stream.Dispose(); } catch (IOException) { } catch (ObjectDisposedException) { }
        _socket.Dispose();
        while (_pending.TryDequeue(out var pending)) pending.TrySetException(error);
        _writeSignal.Release();
        _onFailed?.Invoke(this, error);
    }

    private void Grow(int needed)
    {
        var bigger = GC.AllocateUninitializedArray<byte>(Math.Max(_writeBuffer.Length * 2, _writeLength + needed));
        _writeBuffer.AsSpan(0, _writeLength).CopyTo(bigger);
        _writeBuffer = bigger;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _writeSignal.WaitAsync();
                byte[] batch;
                int length;
                lock (_writeGate)
                {
                    if (_closed) return;
                    batch = _writeBuffer;
                    length = _writeLength;
                    _writeBuffer = _spareBuffer;
                    _spareBuffer = batch;
                    _writeLength = 0;
                    _writeRequested = false;
                }

                if (length == 0) continue;
                await _stream.WriteAsync(batch.AsMemory(0, length));
                if (_flushStream) await _stream.FlushAsync();
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(64 * 1024);
        var start = 0;
        var end = 0;
        var scanner = new RespFrameScanner();
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                    else
                    {
                        // A frame larger than the buffer: grow, the scanner's progress is relative to the frame start.
                        var bigger = GC.AllocateUninitializedArray<byte>(buffer.Length * 2);
                        buffer.AsSpan(0, end).CopyTo(bigger);
                        buffer = bigger;
                    }
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(end));
                if (read == 0) throw new RedisConnectionException($"{EndPoint} closed the connection.");
                end += read;

                while (start < end && scanner.TryFindFrame(buffer.AsSpan(start, end - start), out var frameLength))
                {
                    var reply = RespParser.ReadFrame(buffer.AsSpan(start, frameLength));
                    start += frameLength;
                    Dispatch(reply);
                }

                if (start == end) start = end = 0;
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void Dispatch(in RedisReply reply)
    {
        if (_onPush is not null && _onPush(reply)) return;
        if (reply.Kind == RedisReplyKind.Push) return; // RESP3 out-of-band data nobody asked for
        if (!_pending.TryDequeue(out var pending)) throw new RedisProtocolException("Received a reply with no command waiting for it.");
        pending.TrySetResult(reply);
    }
}
