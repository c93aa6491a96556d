using System.Net;
using System.Net.Sockets;

namespace CityPass.Testing;

/// <summary>Loopback ports for the servers the tests start (Redis, PostgreSQL, silos, server processes, clusters).</summary>
public static class LoopbackPorts
{
    // Ports handed out by this process: a port is given once, so two servers of one test run never race for it.
    private static readonly HashSet<int> s_given = [];

    /// <summary>
    /// A loopback port free now, for a server that binds it a moment later. Not from the kernel's ephemeral range
    /// (32768-60999), where an outgoing connection of a test running beside it could take the port first (a silo then
    /// failed with "Address already in use"), nor from the scripted clusters' blocks (20000-30000).
    /// </summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = Random.Shared.Next(10_000, 18_000);
            lock (s_given)
            {
                if (s_given.Contains(candidate) || !IsFree(candidate)) continue;
                s_given.Add(candidate);
                return candidate;
            }
        }
        throw new InvalidOperationException("no free loopback port found in 10000-17999");
    }

    /// <summary>Whether nothing listens on <paramref name="port"/> of 127.0.0.1 now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
