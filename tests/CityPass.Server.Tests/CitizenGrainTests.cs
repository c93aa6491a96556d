using System.Net.Http.Json;
using System.Text;
using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>The citizen's grain in the running server: what it holds, when it reissues, and that it never overwrites a newer status.</summary>
public abstract class CitizenGrainTests(StoreMode mode) : AppTest(mode)
{
    private async Task<Citizen> CitizenAsync(string phone) => (await App.Get<ICitizenStore>().FindByPhoneAsync(phone, CancellationToken.None))!;

    private ICitizenGrain Grain(Citizen citizen) => App.Get<IGrainFactory>().Citizen(citizen.Id);

    [Fact]
    public async Task ThePassIsTheSameUntilItsRefreshTimeThenANewOne()
    {
        var grain = Grain(await CitizenAsync(Phones.ZhangGreen));

        var first = await grain.GetPassAsync();
        var again = await grain.GetPassAsync();
        App.Clock.Advance(first!.RefreshAfter - App.Clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        var later = await grain.GetPassAsync();

        Assert.Equal(first.Pass.Text, again!.Pass.Text);
        Assert.NotEqual(first.Pass.Text, later!.Pass.Text);
        Assert.Equal(App.Clock.GetUtcNow().ToUnixTimeSeconds(), later.Pass.IssuedAt.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task EveryCitizenGetsTheirOwnPass()
    {
        var authority = await App.StaffAsync("authority");
        var csv = "externalId,phone,fullName,credentials\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"CG-{i},+86137{i:D8},Citizen {i},health_record\n"));
        (await authority.PostAsync("/v1/citizens/import", new StringContent(csv, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();

        var passes = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i => await Grain(await CitizenAsync($"+86137{i:D8}")).GetPassAsync()));

        Assert.Equal(50, passes.Select(p => p!.Pass.Text).Distinct().Count());
        Assert.Equal(50, passes.Select(p => p!.Citizen.Id).Distinct().Count());
    }

    [Fact]
    public async Task AStatusChangeReissuesThePassAtOnceWithTheNewVersion()
    {
        var citizen = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var before = await citizen.PassAsync();
        var authority = await App.StaffAsync("authority");

        var changed = await authority.PutAsJsonAsync($"/v1/citizens/{await App.CitizenIdAsync(Phones.ZhangGreen)}/status",
            new { colour = "red", reason = "positive test", caseRef = await App.OpenCaseAsync() });
        changed.EnsureSuccessStatusCode();
        var after = await citizen.PassAsync();

        // The clock has not moved: only the change can have replaced the pass.
        Assert.NotEqual(before.GetProperty("text").GetString(), after.GetProperty("text").GetString());
        Assert.Equal("red", after.GetProperty("status").GetProperty("colour").GetString());
        Assert.Equal(before.GetProperty("status").GetProperty("version").GetUInt32() + 1, after.GetProperty("status").GetProperty("version").GetUInt32());
    }

    [Fact]
    public async Task AChangeWrittenAroundTheGrainIsReadAgainNotOverwritten()
    {
        var zhang = await CitizenAsync(Phones.ZhangGreen);
        var grain = Grain(zhang);
        Assert.Equal(zhang.Status.Version, (await grain.GetAsync())!.Status.Version); // active, holding version 1

        // Another writer (an activation elsewhere during a membership change) commits version 2 unseen by this grain.
        var store = App.Get<ICitizenStore>();
        var other = await store.ChangeStatusAsync(new StatusChange(zhang.Id, StatusColour.Yellow, "elsewhere", "CASE-8", "authority:other", "HealthAuthority", App.Clock.GetUtcNow(), zhang.Status.Version), CancellationToken.None);
        Assert.NotNull(other);

        var outcome = await grain.ChangeStatusAsync(StatusColour.Red, "positive test", "CASE-9", "authority:li", "HealthAuthority");

        Assert.Equal(StatusChangeKind.Changed, outcome.Kind);
        Assert.Equal(other.Citizen.Status, outcome.Previous);
        Assert.Equal(zhang.Status.Version + 2, outcome.Citizen!.Status.Version);
        Assert.Equal([zhang.Status.Version, zhang.Status.Version + 1, zhang.Status.Version + 2],
            (await store.GetStatusHistoryAsync(zhang.Id, CancellationToken.None)).Select(s => s.Version));
        Assert.Equal(StatusColour.Red, (await grain.GetPassAsync())!.Citizen.Status.Colour);
    }

    [Fact]
    public async Task AnImportThatChangesCredentialsReachesTheActiveGrainAtOnce()
    {
        var john = await CitizenAsync(Phones.JohnGreen);
        var grain = Grain(john);
        var before = await grain.GetPassAsync();
        Assert.False(before!.Citizen.Credentials.HasFlag(Credentials.SocialSecurityCard));

        var authority = await App.StaffAsync("authority");
        var csv = $"externalId,phone,fullName,credentials\n{john.ExternalId},{john.Phone},{john.FullName},health_record;social_security_card\n";
        var report = await (await authority.PostAsync("/v1/citizens/import", new StringContent(csv, Encoding.UTF8, "text/csv"))).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(1, report.GetProperty("updated").GetInt32());

        var after = await grain.GetPassAsync();
        Assert.True(after!.Citizen.Credentials.HasFlag(Credentials.SocialSecurityCard));
        Assert.NotEqual(before.Pass.Text, after.Pass.Text);
    }

    [Fact]
    public async Task ABookingIsWrittenThroughTheGrainAndShownFromIt()
    {
        var wang = await CitizenAsync(Phones.WangRed);
        var theatre = await App.VenueIdAsync("上海大剧院");
        var admin = await App.StaffAsync("admin");
        Assert.Empty(await Grain(wang).GetBookingsAsync());

        (await admin.PutAsync($"/v1/venues/{theatre}/bookings/{wang.Id}", null)).EnsureSuccessStatusCode();

        Assert.Equal([theatre], (await Grain(wang).GetBookingsAsync()).Select(b => b.VenueId));
        var view = await (await App.StaffAsync("authority")).GetFromJsonAsync<System.Text.Json.JsonElement>($"/v1/citizens/{wang.Id}");
        Assert.Equal(theatre, view.GetProperty("bookings")[0].GetProperty("venueId").GetGuid());

        (await admin.DeleteAsync($"/v1/venues/{theatre}/bookings/{wang.Id}")).EnsureSuccessStatusCode();
        Assert.Empty(await Grain(wang).GetBookingsAsync());
        Assert.Empty(await App.Get<ICitizenStore>().ListBookingsAsync(wang.Id, CancellationToken.None));
    }

    [Fact]
    public async Task DeletingAVenueTakesItsBookingsFromTheGrainsHoldingThem()
    {
        var zhang = await CitizenAsync(Phones.ZhangGreen);
        var theatre = await App.VenueIdAsync("上海大剧院");
        Assert.Contains(theatre, (await Grain(zhang).GetBookingsAsync()).Select(b => b.VenueId)); // the demo's booking, held

        (await (await App.StaffAsync("admin")).DeleteAsync($"/v1/venues/{theatre}")).EnsureSuccessStatusCode();

        Assert.Empty(await Grain(zhang).GetBookingsAsync());
    }

    [Fact]
    public async Task AnUnknownCitizenHasNoGrainState()
    {
        var grain = App.Get<IGrainFactory>().Citizen(CitizenPseudonym.NewRandom());

        Assert.Null(await grain.GetAsync());
        Assert.Null(await grain.GetPassAsync());
        Assert.Equal(StatusChangeKind.NotFound, (await grain.ChangeStatusAsync(StatusColour.Red, "r", "c", "a", "HealthAuthority")).Kind);
    }
}

public sealed class EmbeddedCitizenGrainTests() : CitizenGrainTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresCitizenGrainTests() : CitizenGrainTests(StoreMode.RedisAndPostgres);
