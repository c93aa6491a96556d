using Microsoft.Extensions.Logging;

namespace CityPass.Redis;

/// <summary>
/// A logical connection to one endpoint that outlives its sockets: it owns the current
/// <see cref="ConnectionSession"/>, refuses calls at once while there is none, and reconnects in the
/// background with exponential backoff and jitter, replaying the handshake (AUTH, SELECT, script loads,
/// subscriptions) before letting callers in again. It also sweeps pending calls for timeouts.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionRole _role;
    private readonly Func<CancellationToken, ValueTask<RedisEndPoint>> _resolveEndPoint;
    private readonly bool _verifyPrimary;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Timer _timeoutSweep;
    private ConnectionSession? _session;
    private Exception? _lastError;
    private int _reconnecting;

    public RedisConnection(
        RedisOptions options,
        ILogger logger,
        ConnectionRole role,
        Func<CancellationToken, ValueTask<RedisEndPoint>> resolveEndPoint,
        bool verifyPrimary = false)
    {
        _options = options;
        _logger = logger;
        _role = role;
        _resolveEndPoint = resolveEndPoint;
        _verifyPrimary = verifyPrimary;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.CommandTimeout.TotalMilliseconds / 10, 10, 200));
        _timeoutSweep = new Timer(static state => ((RedisConnection)state!).SweepTimeouts(), this, period, period);
    }

    public RedisConnection(RedisOptions options, ILogger logger, ConnectionRole role, RedisEndPoint endPoint)
        : this(options, logger, role, _ => ValueTask.FromResult(endPoint))
    {
    }

    /// <summary>Runs inside every handshake, before callers are let in: load scripts, resubscribe.</summary>
    public Func<ConnectionSession, CancellationToken, Task>? OnHandshake { get; init; }

    /// <summary>Sees every frame first; returns true for frames that are not replies (pub/sub messages).</summary>
    public Func<RedisReply, bool>? OnPush { get; init; }

    /// <summary>Raised after a lost connection is back (handshake included).</summary>
    public event Action<RedisConnection>? Reconnected;

    /// <summary>Raised when the connection drops (pending calls already failed).</summary>
    public event Action<RedisConnection>? ConnectionLost;

    public RedisEndPoint? EndPoint => Volatile.Read(ref _session)?.EndPoint;

    public bool IsConnected => Volatile.Read(ref _session) is { Ready: true, IsClosed: false };

    /// <summary>First connection; throws <see cref="RedisConnectionException"/> rather than retrying, so a bad setup fails at start-up.</summary>
    public Task ConnectAsync(CancellationToken cancellationToken) => ConnectOnceAsync(cancellationToken);

    /// <summary>Queues a command and returns the task its reply completes; fails at once when disconnected.</summary>
    public Task<RedisReply> SendAsync(in RedisCommand command, bool asking, TimeSpan timeout)
    {
        var session = Volatile.Read(ref _session);
        if (session is not { Ready: true }) return Task.FromException<RedisReply>(NotConnected());
        var pending = new PendingReply(Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        return session.TryWrite(command.Bytes, pending, asking) ? pending.Task : Task.FromException<RedisReply>(NotConnected());
    }

    /// <summary>Drops the current socket (e.g. Sentinel moved the primary) so the reconnect loop re-resolves the endpoint.</summary>
    public void ForceReconnect(string reason) =>
        Volatile.Read(ref _session)?.Fail(new RedisConnectionException(reason));

    /// <summary>Sends on a session that is still in its handshake; used by handshake hooks.</summary>
    internal static Task<RedisReply> SendDuringHandshakeAsync(ConnectionSession session, in RedisCommand command, TimeSpan timeout)
    {
        var pending = new PendingReply(Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        if (!session.TryWrite(command.Bytes, pending)) throw new RedisConnectionException($"Connection to {session.EndPoint} closed during the handshake.");
        return pending.Task.WaitAsync(timeout);
    }

    private RedisConnectionException NotConnected()
    {
        if (_disposed.IsCancellationRequested) return new RedisConnectionException("The Redis client has been disposed.");
        var last = Volatile.Read(ref _lastError);
        return new RedisConnectionException(
            "Not connected to Redis; reconnecting in the background." + (last is null ? "" : " Last error: " + last.Message), last);
    }

    private async Task ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var endPoint = await _resolveEndPoint(cancellationToken);
        var session = await ConnectionSession.OpenAsync(endPoint, _options, cancellationToken);
        session.Start(OnSessionFailed, OnPush);
        try
        {
            await HandshakeAsync(session, cancellationToken);
        }
        catch (Exception ex)
        {
            session.Fail(ex);
            if (ex is RedisConnectionException or OperationCanceledException) throw;
            throw new RedisConnectionException($"Handshake with {endPoint} failed: {ex.Message}", ex);
        }

        session.Ready = true;
        var previous = Interlocked.Exchange(ref _session, session);
        previous?.Fail(new RedisConnectionException("Replaced by a new connection."));
        if (session.IsClosed) return; // died between handshake and publish: its failure handler will reconnect
        Log.Connected(_logger, endPoint, _role.ToString());
    }

    private async Task HandshakeAsync(ConnectionSession session, CancellationToken cancellationToken)
    {
        var timeout = _options.ConnectTimeout;
        var (user, password) = _role == ConnectionRole.Sentinel
            ? (_options.SentinelUser, _options.SentinelPassword)
            : (_options.User, _options.Password);

        if (_role == ConnectionRole.Data && _options.Protocol == 3)
        {
            var hello = new CommandWriter("HELLO"u8, password is null ? 1 : 4);
            hello.Write(3);
            if (password is not null)
            {
                hello.Write("AUTH"u8);
                hello.Write(user ?? "default");
                hello.Write(password);
            }

            await ExpectOkOrAnyAsync(session, hello.ToCommand(), timeout, "HELLO");
        }
        else if (password is not null)
        {
            var auth = new CommandWriter("AUTH"u8, user is null ? 1 : 2);
            if (user is not null) auth.Write(user);
            auth.Write(password);
            await ExpectOkOrAnyAsync(session, auth.ToCommand(), timeout, "AUTH");
        }

        if (_options.ClientName is not null)
        {
            var name = new CommandWriter("CLIENT"u8, 2);
            name.Write("SETNAME"u8);
            name.Write(_options.ClientName);
            await ExpectOkOrAnyAsync(session, name.ToCommand(), timeout, "CLIENT SETNAME");
        }

        if (_role == ConnectionRole.Data && _options.Database != 0)
        {
            var select = new CommandWriter("SELECT"u8, 1);
            select.Write(_options.Database);
            await ExpectOkOrAnyAsync(session, select.ToCommand(), timeout, "SELECT");
        }

        if (_verifyPrimary)
        {
            var role = new CommandWriter("ROLE"u8, 0);
            var reply = await SendOwnedAsync(session, role.ToCommand(), timeout);
            if (reply.IsError || reply.Length == 0 || !reply[0].Is("master"u8))
                throw new RedisConnectionException($"{session.EndPoint} is not a primary (ROLE says {(reply.IsError ? reply.ErrorMessage : reply.Length > 0 ? reply[0].AsString() : "nothing")}).");
        }

        if (OnHandshake is not null) await OnHandshake(session, cancellationToken).WaitAsync(timeout, cancellationToken);
    }

    private static async Task ExpectOkOrAnyAsync(ConnectionSession session, RedisCommand command, TimeSpan timeout, string what)
    {
        var reply = await SendOwnedAsync(session, command, timeout);
        if (reply.IsError) throw new RedisConnectionException($"{what} was refused by {session.EndPoint}: {reply.ErrorMessage}", reply.ToException());
    }

    private static async Task<RedisReply> SendOwnedAsync(ConnectionSession session, RedisCommand command, TimeSpan timeout)
    {
        try
        {
            return await SendDuringHandshakeAsync(session, command, timeout);
        }
        catch (TimeoutException)
        {
            throw new RedisConnectionException($"{session.EndPoint} did not answer the handshake within {timeout.TotalMilliseconds:0} ms.");
        }
        finally
        {
            command.Dispose();
        }
    }

    private void OnSessionFailed(ConnectionSession session, RedisConnectionException error)
    {
        // Only the published session triggers a reconnect; a session dying inside its own handshake is the connect attempt's business.
        if (Interlocked.CompareExchange(ref _session, null, session) != session) return;
        Volatile.Write(ref _lastError, error);
        if (_disposed.IsCancellationRequested)
        {
            Log.Closed(_logger, session.EndPoint);
            return;
        }

        Log.ConnectionLost(_logger, session.EndPoint, session.PendingCount, error);
        ConnectionLost?.Invoke(this);
        _ = ReconnectLoopAsync();
    }

    private async Task ReconnectLoopAsync()
    {
        if (Interlocked.Exchange(ref _reconnecting, 1) == 1) return;
        try
        {
            for (var attempt = 1; !_disposed.IsCancellationRequested; attempt++)
            {
                try
                {
                    using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
                    attemptTimeout.CancelAfter(_options.ConnectTimeout * 2);
                    await ConnectOnceAsync(attemptTimeout.Token);
                    var session = Volatile.Read(ref _session);
                    if (session is null) continue;
                    Log.Reconnected(_logger, session.EndPoint, attempt);
                    Reconnected?.Invoke(this);
                    return;
                }
                catch (Exception ex) when (!_disposed.IsCancellationRequested)
                {
                    Volatile.Write(ref _lastError, ex);
                    var delay = BackoffDelay(attempt);
                    Log.ReconnectFailed(_logger, attempt, (long)delay.TotalMilliseconds, ex.Message);
                    await Task.Delay(delay, _disposed.Token);
                }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _reconnecting, 0);
            // A session that died between this loop's success and here found the loop still running and left it to us.
            if (Volatile.Read(ref _session) is null && !_disposed.IsCancellationRequested) _ = ReconnectLoopAsync();
        }
    }

    /// <summary>Base × 2^(attempt-1), capped, with ±50% jitter so many clients don't reconnect in lock-step.</summary>
    private TimeSpan BackoffDelay(int attempt)
    {
        var exponential = _options.ReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exponential, _options.ReconnectMaxDelay.TotalMilliseconds);
#pragma warning disable CA5394 // jitter, not security
        var jittered = capped * (0.5 + Random.Shared.NextDouble() * 0.5);
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(Math.Max(1, jittered));
    }

    private void SweepTimeouts()
    {
        var session = Volatile.Read(ref _session);
        if (session is null || session.PendingCount == 0) return;
        var now = Environment.TickCount64;
        RedisTimeoutException? error = null;
        foreach (var pending in session.Pending)
        {
            if (pending.Deadline > now || pending.Task.IsCompleted) continue;
            error ??= new RedisTimeoutException(
                $"No reply from {session.EndPoint} within the command timeout ({session.PendingCount} commands pending on the connection).");
            pending.TrySetException(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested) return;
        await _disposed.CancelAsync();
        await _timeoutSweep.DisposeAsync();
        Volatile.Read(ref _session)?.Fail(new RedisConnectionException("The Redis client has been disposed."));
        _disposed.Dispose();
    }
}
