using System.Net.Http.Json;
using System.Text;
using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>The per-process cache of current passes stays within its bound however many citizens ask.</summary>
public abstract class PassCacheTests(StoreMode mode) : AppTest(mode)
{
    private const int Bound = 20;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Passes:MaxCachedPasses"] = Bound.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Fact]
    public async Task MoreCitizensThanTheBoundStillGetPassesAndTheCacheStaysWithinIt()
    {
        var authority = await App.StaffAsync("authority");
        var csv = "externalId,phone,fullName,credentials\n" + string.Concat(Enumerable.Range(0, 5 * Bound).Select(i => $"PC-{i},+86137{i:D8},Citizen {i},health_record\n"));
        (await authority.PostAsync("/v1/citizens/import", new StringContent(csv, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        var passes = App.Get<PassService>();
        var store = App.Get<ICitizenStore>();

        var texts = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 5 * Bound; i++)
        {
            var citizen = await store.FindByPhoneAsync($"+86137{i:D8}", CancellationToken.None);
            var pass = await passes.GetPassAsync(citizen!.Id, CancellationToken.None);
            Assert.NotNull(pass);
            texts.Add(pass.Pass.Text);
            Assert.InRange(passes.CachedPasses, 1, Bound);
        }
        Assert.Equal(5 * Bound, texts.Count);
    }

    [Fact]
    public async Task ACachedPassIsServedAgainUntilItsRefreshTime()
    {
        var citizen = (await App.Get<ICitizenStore>().FindByPhoneAsync(Phones.ZhangGreen, CancellationToken.None))!;
        var passes = App.Get<PassService>();
        var first = await passes.GetPassAsync(citizen.Id, CancellationToken.None);
        var again = await passes.GetPassAsync(citizen.Id, CancellationToken.None);
        App.Clock.Advance(first!.RefreshAfter - App.Clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        var later = await passes.GetPassAsync(citizen.Id, CancellationToken.None);

        Assert.Equal(first.Pass.Text, again!.Pass.Text);
        Assert.NotEqual(first.Pass.Text, later!.Pass.Text);
    }
}

public sealed class EmbeddedPassCacheTests() : PassCacheTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresPassCacheTests() : PassCacheTests(StoreMode.RedisAndPostgres);
