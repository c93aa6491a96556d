using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace CityPass.Testing;

/// <summary>
/// A TCP proxy on loopback that passes requests on at once and holds every reply back by <see cref="ReplyDelay"/>
/// (as set when the reply arrived), in order: a server behind it does its work on time, and the client hears of
/// it late, as when the client's process or the network stalls; <see cref="CutAll"/> loses them with the connection.
/// </summary>
public sealed class DelayingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private long _delayTicks;

    private DelayingProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Proxies <paramref name="upstream"/> ("127.0.0.1:port").</summary>
    public static DelayingProxy To(string upstream) => new(IPEndPoint.Parse(upstream));

    /// <summary>"127.0.0.1:port", where clients connect.</summary>
    public string EndPoint => "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

    public TimeSpan ReplyDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                try
                {
                    await server.ConnectAsync(_upstream, _stop.Token);
                    // The streams are taken before the pair is registered: a CutAll in between disposes only
                    // connections that are already being pumped.
                    var (fromClient, fromServer) = (client.GetStream(), server.GetStream());
                    lock (_connections) _connections.AddRange([client, server]);
                    _ = PumpAsync(fromClient, fromServer, delayed: false);
                    _ = PumpAsync(fromServer, fromClient, delayed: true);
                }
                catch (Exception e) when (e is SocketException or IOException or InvalidOperationException)
                {
                    // This one connection failed (the client left at once, the upstream refused, a cut or the stop came
                    // in between): drop it and go on; a stop ends the loop at the next accept. (Letting it escape made
                    // DisposeAsync throw in CI once.)
                    client.Dispose();
                    server.Dispose();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException ||
                                  (e is InvalidOperationException && _stop.IsCancellationRequested))
        {
            // Stopped. (A stop while a connection was being set up sends the loop back to a listener already stopped,
            // which says "Not listening": that failed a test's dispose in CI once.)
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool delayed)
    {
        var chunks = Channel.CreateUnbounded<(byte[] Data, long Due)>();
        var writing = Task.Run(async () =>
        {
            await foreach (var (data, due) in chunks.Reader.ReadAllAsync(_stop.Token))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _stop.Token);
                await to.WriteAsync(data, _stop.Token);
            }
        });
        try
        {
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0) break;
                var due = Stopwatch.GetTimestamp() + (delayed ? (long)(ReplyDelay.TotalSeconds * Stopwatch.Frequency) : 0);
                chunks.Writer.TryWrite((buffer[..n], due));
            }
            chunks.Writer.Complete();
            await writing;
            to.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A side closed or the proxy stopped: the connection ends.
        }
    }

    /// <summary>
    /// Closes every connection now, dropping the replies held back: as Redis's Sentinel does to the clients of the
    /// replica it promotes. New connections are proxied as before.
    /// </summary>
    public void CutAll()
    {
        lock (_connections)
        {
            foreach (var c in _connections) c.Dispose();
            _connections.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_connections) foreach (var c in _connections) c.Dispose();
        _stop.Dispose();
    }
}
