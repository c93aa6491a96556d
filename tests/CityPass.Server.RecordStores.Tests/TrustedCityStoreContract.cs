using CityPass.Server.Audit;
using CityPass.Server.Federation;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="ITrustedCityStore"/> must do, run against each implementation.</summary>
public abstract class TrustedCityStoreContract : StoreContract
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private ITrustedCityStore Cities => Stores.TrustedCities;

    private static TrustedCity City(string issuer, string name = "Hangzhou", string? url = "https://keys.hangzhou.example/keyset.jws") =>
        new(issuer, name, "ES256", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + issuer, url, Now, "admin:li");

    private static string Document(string label) => "{\"protected\":\"eyJ\",\"payload\":\"" + label + "\",\"signature\":\"c2ln\"}";

    [Fact]
    public async Task CitiesAreAddedAndFoundByIssuerAndListedInIssuerOrder()
    {
        var hangzhou = City("330100");
        var beijing = City("110000", "Beijing", url: null);
        var shanghai = City("310000", "Shanghai") with
        {
            Document = Document("shanghai"),
            DocumentIssuedAt = Now.AddHours(-1),
            DocumentExpiresAt = Now.AddDays(7),
            LastCheckedAt = Now.AddMinutes(-5),
            LastError = "unreachable",
        };

        foreach (var city in new[] { hangzhou, beijing, shanghai }) Assert.True(await Cities.AddAsync(city, Audited<TrustedCity>(), None));

        Assert.Equal(hangzhou, await Cities.GetAsync("330100", None));
        Assert.Equal(beijing, await Cities.GetAsync("110000", None));
        Assert.Equal(shanghai, await Cities.GetAsync("310000", None));
        Assert.Null(await Cities.GetAsync("440100", None));
        Assert.Equal([beijing, shanghai, hangzhou], await Cities.ListAsync(None));
    }

    [Fact]
    public async Task AnIssuerAlreadyTrustedCannotBeAddedAgain()
    {
        var first = City("330100");
        Assert.True(await Cities.AddAsync(first, Audited<TrustedCity>(), None));

        Assert.False(await Cities.AddAsync(City("330100", "Someone else's Hangzhou") with { Document = Document("theirs"), DocumentIssuedAt = Now }, Audited<TrustedCity>(), None));

        Assert.Equal(first, await Cities.GetAsync("330100", None));
        Assert.Equal([first], await Cities.ListAsync(None));
    }

    [Fact]
    public async Task EachChangeIsWrittenWithItsAuditEntryAndARefusedOneWithNone()
    {
        await Cities.AddAsync(City("330100"), Audited<TrustedCity>("federation.city.add"), None);
        Assert.False(await Cities.AddAsync(City("330100"), Audited<TrustedCity>("federation.city.add"), None));
        await Cities.UpdateAsync(City("330100", "Hangzhou (renamed)"), Audited<TrustedCity>("federation.city.update"), None);
        Assert.False(await Cities.UpdateAsync(City("440100"), Audited<TrustedCity>("federation.city.update"), None));
        await Cities.AcceptDocumentAsync("330100", Document("v1"), Now, Now.AddDays(7), Now, Audited<TrustedCity>("federation.document.accept"), None);
        Assert.False(await Cities.AcceptDocumentAsync("330100", Document("v0"), Now.AddHours(-1), Now.AddDays(7), Now, Audited<TrustedCity>("federation.document.accept"), None));
        await Cities.RecordCheckAsync("330100", Now.AddMinutes(1), "expired", Audited<TrustedCity>("federation.document.upload"), None);
        // The refresher's own notes are not audited.
        await Cities.RecordCheckAsync("330100", Now.AddMinutes(2), "unreachable", audit: null, None);
        await Cities.RecordCheckAsync("440100", Now.AddMinutes(2), "unreachable", Audited<TrustedCity>("federation.document.refresh"), None);
        await Cities.RemoveAsync("330100", Audited<TrustedCity>("federation.city.remove"), None);
        Assert.False(await Cities.RemoveAsync("330100", Audited<TrustedCity>("federation.city.remove"), None));
        Assert.Equal(["federation.city.remove", "federation.document.upload", "federation.document.accept", "federation.city.update", "federation.city.add"],
            (await Stores.Audit.QueryAsync(new AuditQuery(), None)).Select(e => e.Action));
    }

    [Fact]
    public async Task AChangeWhoseAuditEntryCannotBeWrittenIsNotMade()
    {
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Cities.AddAsync(City("330100"), FailingAudit<TrustedCity>(), None));
        Assert.Empty(await Cities.ListAsync(None));

        await Cities.AddAsync(City("330100"), Audited<TrustedCity>(), None);
        await Cities.AcceptDocumentAsync("330100", Document("v1"), Now, Now.AddDays(7), Now, Audited<TrustedCity>(), None);
        var held = (await Cities.GetAsync("330100", None))!;
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Cities.UpdateAsync(City("330100", "Hangzhou (rekeyed)", url: null), FailingAudit<TrustedCity>(), None));
        await Assert.ThrowsAsync<AuditWriteFailedException>(() =>
            Cities.AcceptDocumentAsync("330100", Document("v2"), Now.AddHours(1), Now.AddDays(8), Now.AddHours(1), FailingAudit<TrustedCity>(), None));
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Cities.RecordCheckAsync("330100", Now.AddHours(2), "expired", FailingAudit<TrustedCity>(), None));
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Cities.RemoveAsync("330100", FailingAudit<TrustedCity>(), None));
        Assert.Equal(held, await Cities.GetAsync("330100", None));
        Assert.Equal(2, await Stores.Audit.CountAsync(new AuditQuery(), None));
    }

    [Fact]
    public async Task AnUpdateReplacesTheSettingsAndTheDocumentButNotWhoAddedTheCityOrTheLastCheck()
    {
        await Cities.AddAsync(City("330100"), Audited<TrustedCity>(), None);
        Assert.True(await Cities.AcceptDocumentAsync("330100", Document("v1"), Now.AddHours(-1), Now.AddDays(7), Now.AddMinutes(1), Audited<TrustedCity>(), None));
        await Cities.RecordCheckAsync("330100", Now.AddMinutes(2), "unreachable", audit: null, None);
        var held = (await Cities.GetAsync("330100", None))!;

        var changed = City("330100", "Hangzhou (rekeyed)", url: null) with
        {
            FederationSuite = "SM2-SM3",
            FederationPublicKey = "MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE",
            AddedAt = Now.AddYears(-1),
            AddedBy = "admin:intruder",
            Document = Document("uploaded"),
            DocumentIssuedAt = Now.AddMinutes(3),
            DocumentExpiresAt = Now.AddDays(30),
            LastCheckedAt = Now.AddYears(1),
            LastError = null,
        };
        Assert.True(await Cities.UpdateAsync(changed, Audited<TrustedCity>(), None));

        var expected = changed with { AddedAt = held.AddedAt, AddedBy = held.AddedBy, LastCheckedAt = Now.AddMinutes(2), LastError = "unreachable" };
        Assert.Equal(expected, await Cities.GetAsync("330100", None));

        // A changed federation key leaves no document: it was verified under the old key.
        Assert.True(await Cities.UpdateAsync(expected.WithoutDocument(), Audited<TrustedCity>(), None));
        var cleared = await Cities.GetAsync("330100", None);
        Assert.Equal(expected.WithoutDocument(), cleared);
        Assert.Null(cleared!.Document);
        Assert.Null(cleared.DocumentIssuedAt);
        Assert.Null(cleared.DocumentExpiresAt);
        Assert.Equal([expected.WithoutDocument()], await Cities.ListAsync(None));
    }

    [Fact]
    public async Task AnUnknownIssuerCannotBeUpdatedOrRemoved()
    {
        await Cities.AddAsync(City("310000", "Shanghai"), Audited<TrustedCity>(), None);

        Assert.False(await Cities.UpdateAsync(City("330100"), Audited<TrustedCity>(), None));
        Assert.False(await Cities.RemoveAsync("330100", Audited<TrustedCity>(), None));

        Assert.Null(await Cities.GetAsync("330100", None));
        Assert.Equal(["310000"], (await Cities.ListAsync(None)).Select(c => c.Issuer));
    }

    [Fact]
    public async Task ARemovedCityIsGoneAndCanBeAddedAgain()
    {
        await Cities.AddAsync(City("330100"), Audited<TrustedCity>(), None);
        await Cities.AddAsync(City("310000", "Shanghai"), Audited<TrustedCity>(), None);

        Assert.True(await Cities.RemoveAsync("330100", Audited<TrustedCity>(), None));
        Assert.False(await Cities.RemoveAsync("330100", Audited<TrustedCity>(), None));

        Assert.Null(await Cities.GetAsync("330100", None));
        Assert.Equal(["310000"], (await Cities.ListAsync(None)).Select(c => c.Issuer));
        Assert.True(await Cities.AddAsync(City("330100", "Hangzhou again"), Audited<TrustedCity>(), None));
        Assert.Equal("Hangzhou again", (await Cities.GetAsync("330100", None))!.Name);
    }

    [Fact]
    public async Task ANewerDocumentIsKeptAndClearsTheLastError()
    {
        await Cities.AddAsync(City("330100"), Audited<TrustedCity>(), None);
        await Cities.RecordCheckAsync("330100", Now.AddMinutes(1), "unreachable", audit: null, None);

        Assert.True(await Cities.AcceptDocumentAsync("330100", Document("v1"), Now.AddHours(-1), Now.AddDays(7), Now.AddMinutes(2), Audited<TrustedCity>(), None));
        Assert.Equal(
            City("330100") with
            {
                Document = Document("v1"),
                DocumentIssuedAt = Now.AddHours(-1),
                DocumentExpiresAt = Now.AddDays(7),
                LastCheckedAt = Now.AddMinutes(2),
                LastError = null,
            },
            await Cities.GetAsync("330100", None));

        // One microsecond later is newer: the finest step every store keeps.
        await Cities.RecordCheckAsync("330100", Now.AddMinutes(3), "signature_invalid", audit: null, None);
        var newer = Now.AddHours(-1).AddTicks(10);
        Assert.True(await Cities.AcceptDocumentAsync("330100", Document("v2"), newer, Now.AddDays(8), Now.AddMinutes(4), Audited<TrustedCity>(), None));
        var held = (await Cities.GetAsync("330100", None))!;
        Assert.Equal(Document("v2"), held.Document);
        Assert.Equal(newer, held.DocumentIssuedAt);
        Assert.Equal(Now.AddDays(8), held.DocumentExpiresAt);
        Assert.Equal(Now.AddMinutes(4), held.LastCheckedAt);
        Assert.Null(held.LastError);
    }

    [Fact]
    public async Task AnOlderOrEqualDocumentIsRefusedAndTheHeldOneStays()
    {
        await Cities.AddAsync(City("330100"), Audited<TrustedCity>(), None);
        await Cities.AcceptDocumentAsync("330100", Document("held"), Now, Now.AddDays(7), Now.AddMinutes(1), Audited<TrustedCity>(), None);
        await Cities.RecordCheckAsync("330100", Now.AddMinutes(2), "expired", audit: null, None);
        var held = (await Cities.GetAsync("330100", None))!;

        Assert.False(await Cities.AcceptDocumentAsync("330100", Document("older"), Now.AddSeconds(-1), Now.AddDays(30), Now.AddMinutes(3), Audited<TrustedCity>(), None));
        Assert.False(await Cities.AcceptDocumentAsync("330100", Document("same time"), Now, Now.AddDays(30), Now.AddMinutes(4), Audited<TrustedCity>(), None));

        // Nothing moved, not even the check: the caller records a refusal with RecordCheckAsync.
        Assert.Equal(held, await Cities.GetAsync("330100", None));
        Assert.Equal(Document("held"), held.Document);
        Assert.Equal("expired", held.LastError);
    }

    [Fact]
    public async Task ADocumentForAnIssuerNoLongerTrustedIsRefusedAndDoesNotBringItBack()
    {
        await Cities.AddAsync(City("330100"), Audited<TrustedCity>(), None);
        await Cities.RemoveAsync("330100", Audited<TrustedCity>(), None);

        Assert.False(await Cities.AcceptDocumentAsync("330100", Document("late"), Now, Now.AddDays(7), Now, Audited<TrustedCity>(), None));
        await Cities.RecordCheckAsync("330100", Now, "unreachable", audit: null, None);

        Assert.Null(await Cities.GetAsync("330100", None));
        Assert.Empty(await Cities.ListAsync(None));
    }

    [Fact]
    public async Task RefreshesAtOnceLeaveTheNewestDocument()
    {
        await Cities.AddAsync(City("330100"), Audited<TrustedCity>(), None);
        // Several rounds of refreshes released together, issue times in no order: a store that compares and writes in
        // two steps lets an older document land after a newer one in some round.
        for (var round = 0; round < 5; round++)
        {
            var issued = Enumerable.Range(0, 16).Select(i => Now.AddMinutes(round).AddSeconds(i * 7 % 16)).ToList();
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var refreshes = issued.Select(at => Task.Run(async () =>
            {
                await go.Task;
                return await Cities.AcceptDocumentAsync("330100", Document(Label(at)), at, at.AddDays(7), at, Audited<TrustedCity>(), None);
            })).ToList();
            go.SetResult();
            var accepted = await Task.WhenAll(refreshes);

            var newest = issued.Max();
            var held = (await Cities.GetAsync("330100", None))!;
            Assert.Equal(newest, held.DocumentIssuedAt);
            Assert.Equal(Document(Label(newest)), held.Document);
            Assert.Equal(newest.AddDays(7), held.DocumentExpiresAt);
            Assert.True(accepted[issued.IndexOf(newest)]);
        }

        static string Label(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ACheckRecordsItsTimeAndErrorAndKeepsTheDocument()
    {
        await Cities.AddAsync(City("330100"), Audited<TrustedCity>(), None);
        await Cities.AcceptDocumentAsync("330100", Document("v1"), Now, Now.AddDays(7), Now.AddMinutes(1), Audited<TrustedCity>(), None);
        var accepted = (await Cities.GetAsync("330100", None))!;

        await Cities.RecordCheckAsync("330100", Now.AddMinutes(10), "signature_invalid", audit: null, None);
        Assert.Equal(accepted with { LastCheckedAt = Now.AddMinutes(10), LastError = "signature_invalid" }, await Cities.GetAsync("330100", None));

        // Found the same document: checked, and nothing wrong.
        await Cities.RecordCheckAsync("330100", Now.AddMinutes(20), null, audit: null, None);
        Assert.Equal(accepted with { LastCheckedAt = Now.AddMinutes(20), LastError = null }, await Cities.GetAsync("330100", None));
    }

    [Fact]
    public async Task TimesComeBackToTheMillisecondWhateverOffsetTheyWereGivenIn()
    {
        var at = new DateTimeOffset(2026, 11, 21, 16, 30, 0, China).AddMilliseconds(123);
        var city = City("330100") with
        {
            AddedAt = at,
            Document = Document("v1"),
            DocumentIssuedAt = at.AddMilliseconds(1),
            DocumentExpiresAt = at.AddDays(7).AddMilliseconds(2),
            LastCheckedAt = at.AddMilliseconds(3),
        };
        await Cities.AddAsync(city, Audited<TrustedCity>(), None);
        await Cities.AddAsync(City("310000"), Audited<TrustedCity>(), None);
        await Cities.AcceptDocumentAsync("310000", Document("v1"), at.AddMilliseconds(4), at.AddDays(1).AddMilliseconds(5), at.AddMilliseconds(6), Audited<TrustedCity>(), None);
        await Cities.AddAsync(City("110000"), Audited<TrustedCity>(), None);
        await Cities.RecordCheckAsync("110000", at.AddMilliseconds(7), "unreachable", audit: null, None);

        var read = (await Cities.GetAsync("330100", None))!;
        Assert.Equal(at.UtcTicks, read.AddedAt.UtcTicks);
        Assert.Equal(at.AddMilliseconds(1).UtcTicks, read.DocumentIssuedAt!.Value.UtcTicks);
        Assert.Equal(at.AddDays(7).AddMilliseconds(2).UtcTicks, read.DocumentExpiresAt!.Value.UtcTicks);
        Assert.Equal(at.AddMilliseconds(3).UtcTicks, read.LastCheckedAt!.Value.UtcTicks);
        var accepted = (await Cities.GetAsync("310000", None))!;
        Assert.Equal(at.AddMilliseconds(4).UtcTicks, accepted.DocumentIssuedAt!.Value.UtcTicks);
        Assert.Equal(at.AddDays(1).AddMilliseconds(5).UtcTicks, accepted.DocumentExpiresAt!.Value.UtcTicks);
        Assert.Equal(at.AddMilliseconds(6).UtcTicks, accepted.LastCheckedAt!.Value.UtcTicks);
        Assert.Equal(at.AddMilliseconds(7).UtcTicks, (await Cities.GetAsync("110000", None))!.LastCheckedAt!.Value.UtcTicks);
    }
}

public sealed class EmbeddedTrustedCityStoreTests : TrustedCityStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresTrustedCityStoreTests : TrustedCityStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
