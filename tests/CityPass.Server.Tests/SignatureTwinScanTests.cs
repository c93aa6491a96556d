using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Tests.Support;
using CityPass.Testing;

namespace CityPass.Server.Tests;

/// <summary>
/// Nothing on the scan path keys on the signature bytes: the ES256 twin (r, n − s) of a trusted
/// city's pass is the same pass (same token id), so the replay rule admits it once, not twice.
/// </summary>
public abstract class SignatureTwinScanTests(StoreMode mode) : AppTest(mode)
{
    private readonly IssuerKeySet _suzhou = IssuerKeySet.Generate(new IssuerId(320500), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var trustFile = Path.Combine(Path.GetTempPath(), $"citypass-trust-{Guid.NewGuid():N}.json");
            File.WriteAllText(trustFile, _suzhou.PublicKeys.ToJson());
            return new Dictionary<string, string?> { ["Keys:TrustedKeySetFiles:0"] = trustFile };
        }
    }

    [Fact]
    public async Task ATwinOfAnAdmittedPassIsAReplay()
    {
        var pass = new PassIssuer(_suzhou, App.Clock).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.HealthRecord));
        var twin = SignatureTwin.Of(pass.Text);
        Assert.NotEqual(pass.Text, twin);

        var first = await App.Gate("上海图书馆").DecideAsync(pass.Text);
        var second = await App.Gate("上海图书馆").DecideAsync(twin);

        Assert.Equal("allowed", first.Code);
        Assert.Equal(("deny", "token_replayed"), (second.Decision, second.Code));
    }

    [Fact]
    public async Task ATwinPresentedFirstIsAdmittedAndTheOriginalIsThenTheReplay()
    {
        var pass = new PassIssuer(_suzhou, App.Clock).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.HealthRecord));

        Assert.Equal("allowed", (await App.Gate("上海图书馆").DecideAsync(SignatureTwin.Of(pass.Text))).Code);
        Assert.Equal("token_replayed", (await App.Gate("上海图书馆").DecideAsync(pass.Text)).Code);
    }
}

public sealed class EmbeddedSignatureTwinScanTests() : SignatureTwinScanTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresSignatureTwinScanTests() : SignatureTwinScanTests(StoreMode.RedisAndPostgres);
