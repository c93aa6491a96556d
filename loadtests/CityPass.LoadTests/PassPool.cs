using System.Buffers.Binary;
using System.Collections.Concurrent;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using Npgsql;

namespace CityPass.LoadTests;

/// <summary>A file of passes for wrk: one line per citizen, "pseudonym pass", valid from/until.</summary>
public sealed record MintedPool(string File, int Count, DateTimeOffset ValidFrom, DateTimeOffset ExpiresAt, double MintSeconds);

/// <summary>
/// Mints every seeded citizen's pass with the city's own issuer key set, exactly as the server's
/// PassService would (same issuer, keys, claims from the system of record), without 100,000
/// sign-ins. Passes live ten minutes, so the runner mints a fresh pool for every scenario; a fresh pool
/// also means fresh token ids, so one scenario's replay marks don't deny the next one's scans.
/// </summary>
public sealed class PassPool(IssuerKeySet keys, string postgres)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private List<CitizenPassState>? _citizens;

    /// <summary>The seeded citizens' current pass state, read from PostgreSQL (ids are the pseudonyms).</summary>
    public async Task<IReadOnlyList<CitizenPassState>> CitizensAsync()
    {
        if (_citizens is not null) return _citizens;
        var list = new List<CitizenPassState>();
        await using var c = new NpgsqlConnection(postgres);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT id, status_colour, status_version, credentials FROM citizens WHERE external_id LIKE 'LOAD-%' ORDER BY external_id", c);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            list.Add(new CitizenPassState(FromUuid(r.GetGuid(0)), (StatusColour)r.GetInt16(1), (uint)r.GetInt64(2), (Credentials)r.GetInt32(3)));
        }
        return _citizens = list;
    }

    /// <summary>The server stores a pseudonym as the uuid of its big-endian bytes (docs/data-model.md).</summary>
    public static CitizenPseudonym FromUuid(Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return new CitizenPseudonym(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>
    /// Mints one pass per citizen into <paramref name="file"/>. <paramref name="issueAt"/> lets the soak
    /// mint its later pools up front (a pool for minutes 5-10 is issued "at minute 5").
    /// </summary>
    public async Task<MintedPool> MintAsync(string file, DateTimeOffset issueAt)
    {
        var citizens = await CitizensAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var issuer = new PassIssuer(keys, new FixedClock(issueAt), new PassIssuerOptions { Lifetime = Lifetime });
        var lines = new string[citizens.Count];
        Parallel.ForEach(Partitioner.Create(0, citizens.Count), range =>
        {
            for (var i = range.Item1; i < range.Item2; i++) lines[i] = $"{citizens[i].Pseudonym} {issuer.Issue(citizens[i]).Text}";
        });
        await File.WriteAllLinesAsync(file, lines);
        return new MintedPool(file, lines.Length, issueAt, issueAt + Lifetime, started.Elapsed.TotalSeconds);
    }

    private sealed class FixedClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
