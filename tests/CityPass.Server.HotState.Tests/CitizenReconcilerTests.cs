using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

public sealed class CitizenReconcilerTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly EmbeddedCitizenStore _citizens = new(new EmbeddedAuditLog(), new EmbeddedVenueStore());
    private ConnectionMultiplexer _client = null!;
    private RedisHotState _hot = null!;

    public async Task InitializeAsync()
    {
        _client = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        _hot = new RedisHotState(_client);
    }

    public async Task DisposeAsync() => await _client.DisposeAsync();

    private CitizenReconciler Reconciler(TimeSpan? period = null, IReconcileMarks? marks = null) =>
        new(_citizens, () => _hot, period ?? TimeSpan.FromMinutes(1), NullLogger<CitizenReconciler>.Instance, marks: marks);

    private RedisReconcileMarks NewMarks() => new(() => _client, "test-" + Guid.NewGuid().ToString("N"));

    private async Task<List<Citizen>> CreateAsync(int count)
    {
        var drafts = Enumerable.Range(0, count)
            .Select(_ => new CitizenDraft(Guid.NewGuid().ToString("N"), "+86" + Guid.NewGuid().ToString("N")[..11], "欧阳明", Credentials.HealthRecord))
            .ToList();
        return [.. (await _citizens.UpsertManyAsync(drafts, Passes.Now, None)).Select(r => r.Citizen)];
    }

    private Task<StatusChangeResult?> TurnRedAsync(Citizen citizen) =>
        _citizens.ChangeStatusAsync(new StatusChange(citizen.Id, StatusColour.Red, "contact", "CASE-1", "authority", "HealthAuthority", Passes.Now, citizen.Status.Version), None);

    [Fact]
    public async Task OneReplicaAtATimeHoldsTheLeaseAndAnotherTakesItOnceItLapses()
    {
        var name = "test-" + Guid.NewGuid().ToString("N");
        // Two seconds: long enough that a busy machine does not let the lease lapse between two calls of the test
        // (with 600 ms it once did in CI, and the first replica took it back).
        var first = new RedisLease(() => _client, name, TimeSpan.FromSeconds(2));
        var second = new RedisLease(() => _client, name, TimeSpan.FromSeconds(2));

        Assert.True(await first.TryHoldAsync());
        Assert.False(await second.TryHoldAsync());
        Assert.True(await first.TryHoldAsync());   // its holder renews it

        // The holder stops renewing (stopped, killed): the other replica takes it once it has lapsed, and keeps it.
        await Eventually.TrueAsync(second.TryHoldAsync, TimeSpan.FromSeconds(10), "the second replica takes the lapsed lease");
        Assert.False(await first.TryHoldAsync());
    }

    [Fact]
    public async Task OnlyTheReplicaHoldingTheLeasePushesTheCitizens()
    {
        var citizens = await CreateAsync(3);
        var name = "test-" + Guid.NewGuid().ToString("N");
        var holder = new RedisLease(() => _client, name, TimeSpan.FromMinutes(1));
        var other = new RedisLease(() => _client, name, TimeSpan.FromMinutes(1));
        Assert.True(await holder.TryHoldAsync());
        using var withoutLease = new CitizenReconciler(_citizens, () => _hot, TimeSpan.FromMinutes(1), NullLogger<CitizenReconciler>.Instance, takesThisPeriod: other.TryHoldAsync);
        using var withLease = new CitizenReconciler(_citizens, () => _hot, TimeSpan.FromMinutes(1), NullLogger<CitizenReconciler>.Instance, takesThisPeriod: holder.TryHoldAsync);

        // A pass runs as soon as a reconciler starts: the one without the lease skips it.
        await withoutLease.StartAsync(None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        foreach (var c in citizens) Assert.Null(await _hot.GetCitizenAsync(c.Id, None));

        await withLease.StartAsync(None);
        await Eventually.TrueAsync(async () => await _hot.GetCitizenAsync(citizens[^1].Id, None) is not null, TimeSpan.FromSeconds(10), "the lease holder pushed");
        await withoutLease.StopAsync(None);
        await withLease.StopAsync(None);
    }

    [Fact]
    public async Task AStatusChangeWhosePushWasMissedIsRepaired()
    {
        var citizens = await CreateAsync(3);
        foreach (var c in citizens) await _hot.PutCitizenAsync(c.ToHot(), None);
        var changed = (await TurnRedAsync(citizens[1]))!.Citizen;   // committed, never pushed
        Assert.Equal(StatusColour.Green, (await _hot.GetCitizenAsync(changed.Id, None))!.Colour);

        await Reconciler().ReconcileOnceAsync(None);

        Assert.Equal(changed.ToHot(), await _hot.GetCitizenAsync(changed.Id, None));
    }

    [Fact]
    public async Task APeriodAfterAMarkPushesOnlyTheCitizensChangedSinceIt()
    {
        var citizens = await CreateAsync(3);
        var marks = NewMarks();
        // A full pass has just run (so it says), and the citizens' hot copies have been lost since without a change. The
        // mark keeps milliseconds: one later than the creations, so that they are before it.
        await Task.Delay(5);
        var mark = new ReconcileMark(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        await marks.WriteAsync(mark, None);
        var changed = (await TurnRedAsync(citizens[1]))!.Citizen;   // committed after the mark, never pushed

        var pushed = await Reconciler(marks: marks).ReconcilePeriodAsync(None);

        Assert.Equal(1, pushed);
        Assert.Equal(changed.ToHot(), await _hot.GetCitizenAsync(changed.Id, None));
        Assert.Null(await _hot.GetCitizenAsync(citizens[0].Id, None));
        // The next pass looks from the margin before this one began; the last full pass is still the one before.
        var moved = (await marks.ReadAsync(None))!;
        Assert.InRange(moved.Since, mark.Since.AddMilliseconds(-1) - CitizenReconciler.ChangeMargin, DateTimeOffset.UtcNow - CitizenReconciler.ChangeMargin);
        Assert.Equal(mark.LastFull.ToUnixTimeMilliseconds(), moved.LastFull.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task APassSkipsWhatTheLastPassHadSeenAndPushesOnlyWhatWasWrittenSinceItsHorizon()
    {
        var citizens = await CreateAsync(3);
        var marks = NewMarks();
        var reconciler = Reconciler(marks: marks);
        Assert.Equal(3, await reconciler.ReconcilePeriodAsync(None));
        Assert.NotNull((await marks.ReadAsync(None))!.WrittenFrom);

        // Every citizen was written within the margin before that pass began: by time alone each pass in the next five
        // minutes would push all three again.
        Assert.Equal(0, await reconciler.ReconcilePeriodAsync(None));
        var changed = (await TurnRedAsync(citizens[1]))!.Citizen;

        Assert.Equal(1, await reconciler.ReconcilePeriodAsync(None));
        Assert.Equal(changed.ToHot(), await _hot.GetCitizenAsync(changed.Id, None));
        Assert.Equal(0, await reconciler.ReconcilePeriodAsync(None));
    }

    [Fact]
    public async Task EveryCitizenIsPushedWhenThereIsNoMarkAndWhenTheLastFullPassIsADayOld()
    {
        var citizens = await CreateAsync(3);
        var marks = NewMarks();
        var reconciler = Reconciler(marks: marks);

        Assert.Equal(3, await reconciler.ReconcilePeriodAsync(None));
        foreach (var c in citizens) Assert.Equal(c.ToHot(), await _hot.GetCitizenAsync(c.Id, None));
        var afterFull = (await marks.ReadAsync(None))!;
        Assert.InRange(afterFull.LastFull, DateTimeOffset.UtcNow.AddSeconds(-10), DateTimeOffset.UtcNow);

        // Nothing changed since: the next pass has nothing to push, until the last full one is a day old.
        await marks.WriteAsync(new ReconcileMark(DateTimeOffset.UtcNow, afterFull.LastFull), None);
        Assert.Equal(0, await reconciler.ReconcilePeriodAsync(None));
        await marks.WriteAsync(new ReconcileMark(DateTimeOffset.UtcNow, afterFull.LastFull.AddDays(-1)), None);
        Assert.Equal(3, await reconciler.ReconcilePeriodAsync(None));
    }

    [Fact]
    public async Task EveryCitizenIsPushedAcrossManyPages()
    {
        var citizens = await CreateAsync(CitizenReconciler.PageSize * 2 + 17);

        var pushed = await Reconciler().ReconcileOnceAsync(None);

        Assert.True(pushed >= citizens.Count);
        foreach (var c in citizens) Assert.Equal(c.ToHot(), await _hot.GetCitizenAsync(c.Id, None));
    }

    [Fact]
    public async Task ANewerHotCopyIsNotOverwrittenByAnOlderRecord()
    {
        var citizen = (await CreateAsync(1))[0];
        // A push of a later change that reached Redis before this reconciler's read of the record.
        var newer = citizen.ToHot() with { Colour = StatusColour.Yellow, StatusVersion = 7 };
        await _hot.PutCitizenAsync(newer, None);

        await Reconciler().ReconcileOnceAsync(None);

        Assert.Equal(newer, await _hot.GetCitizenAsync(citizen.Id, None));
    }

    [Fact]
    public async Task TheRunningReconcilerRepairsAMissedPushWithinAPeriod()
    {
        var citizen = (await CreateAsync(1))[0];
        using var reconciler = Reconciler(TimeSpan.FromMilliseconds(200));
        await reconciler.StartAsync(None);
        try
        {
            await Eventually.TrueAsync(async () => await _hot.GetCitizenAsync(citizen.Id, None) is not null, TimeSpan.FromSeconds(10), "the first pass pushes the citizen");
            var changed = (await TurnRedAsync(citizen))!.Citizen;

            await Eventually.TrueAsync(async () => (await _hot.GetCitizenAsync(citizen.Id, None))?.Colour == StatusColour.Red, TimeSpan.FromSeconds(10), "a later pass pushes the change");
            Assert.Equal(changed.ToHot(), await _hot.GetCitizenAsync(citizen.Id, None));
        }
        finally
        {
            await reconciler.StopAsync(None);
        }
    }
}
