using CityPass.Core.Citizens;
using CityPass.Core.Identify;
using CityPass.Core.Venues;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Cases;
using CityPass.Server.Citizens;
using CityPass.Server.Estates;
using CityPass.Server.Identify;
using CityPass.Server.Operators;
using CityPass.Server.Scans;
using CityPass.Server.Ticketing;
using CityPass.Server.Venues;

namespace CityPass.Server.Hosting;

/// <summary>What the demo seeded, for the start-up banner: staff sign-ins, citizens' phones, gates' credentials.</summary>
public sealed record DemoSummary(
    IReadOnlyList<(string Username, string Password, string Role)> Staff,
    IReadOnlyList<(string Name, string Phone, string Colour)> Citizens,
    IReadOnlyList<(string Venue, string Gate, Guid GateId, string Credential)> Gates);

/// <summary>
/// Demo venues, gates, staff and citizens so that `dotnet run` shows the whole system on one
/// machine. Runs when Demo:Seed is true (the default with the embedded stores) and no staff exist yet.
/// </summary>
public static class DemoData
{
    public static async Task<DemoSummary?> SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var operators = services.GetRequiredService<IOperatorStore>();
        if ((await operators.ListAsync(ct)).Count > 0) return null;
        var clock = services.GetRequiredService<TimeProvider>();
        var venues = services.GetRequiredService<IVenueStore>();
        var citizens = services.GetRequiredService<ICitizenStore>();
        var hot = services.GetRequiredService<IHotState>();
        var now = clock.GetUtcNow();

        var daytime = new OpeningHours("Asia/Shanghai", Enum.GetValues<DayOfWeek>().Select(d => new OpeningPeriod(d, new TimeOnly(6, 0), new TimeOnly(23, 0))).ToArray());
        var library = new Venue(Guid.NewGuid(), "上海图书馆 Shanghai Library", "library", "1555 Huaihai Middle Rd",
            new VenuePolicy { Capacity = 300, RequiredCredentials = Credentials.None, Hours = daytime }, now) { District = "徐汇区 Xuhui" };
        var clinic = new Venue(Guid.NewGuid(), "瑞金医院门诊 Ruijin Clinic", "clinic", "197 Ruijin 2nd Rd",
            // Registration identifies patients (Identify): the member id, and the masked name, age band and e-ID check a patient consented to.
            new VenuePolicy
            {
                AllowedColours = StatusColours.Green | StatusColours.Yellow, RequiredCredentials = Credentials.SocialSecurityCard, Capacity = 120,
                Identify = true, IdentifyClaims = IdentityClaims.MaskedName | IdentityClaims.AgeBand | IdentityClaims.EIdVerified,
            }, now) { District = "黄浦区 Huangpu" };
        var theatre = new Venue(Guid.NewGuid(), "上海大剧院 Grand Theatre", "theatre", "300 People's Ave",
            new VenuePolicy { RequiresBooking = true, Capacity = 1600 }, now) { District = "黄浦区 Huangpu" };
        var estate = new Venue(Guid.NewGuid(), "阳光小区 Sunshine Estate", "housing_estate", "88 Sunshine Rd",
            // Residents and approved visitors only: they are the estate's tickets (Estates), so it requires a booking.
            new VenuePolicy { AllowedColours = StatusColours.All, AntiPassback = false, RequiresBooking = true }, now) { District = "浦东新区 Pudong" };
        var gates = new List<(string, string, Guid, string)>();
        foreach (var venue in new[] { library, clinic, theatre, estate })
        {
            await venues.CreateVenueAsync(venue, ct);
            foreach (var gateName in new[] { "North entrance", "South entrance" })
            {
                var gate = new Gate(Guid.NewGuid(), venue.Id, gateName, now, null);
                var (credential, hash) = GateCredentials.Create(gate.Id);
                await venues.CreateGateAsync(gate with { Credential = new GateCredential(hash, now, null) }, ct);
                gates.Add((venue.Name, gateName, gate.Id, credential));
            }
        }

        // Username, display name, password, role, venues: created and shown in the banner from this one list.
        var demoStaff = new (string Username, string DisplayName, string Password, OperatorRole Role, Guid[] Venues)[]
        {
            ("admin", "City Admin", "demo-admin-2026", OperatorRole.CityAdmin, []),
            ("authority", "Health Authority", "demo-authority-2026", OperatorRole.HealthAuthority, []),
            // A second member of the authority: bulk and held status changes need someone other than the drafter to approve them.
            ("epidemiologist", "Epidemiologist", "demo-epidemiologist-2026", OperatorRole.HealthAuthority, []),
            ("library", "Library operator", "demo-library-2026", OperatorRole.VenueOperator, [library.Id]),
            ("clinic", "Clinic operator", "demo-clinic-2026", OperatorRole.VenueOperator, [clinic.Id, theatre.Id]),
            ("estate", "Estate office", "demo-estate-2026", OperatorRole.VenueOperator, [estate.Id]),
        };
        var staffSeeded = OperatorService.CreatedBy("demo-seed", now);
        var accounts = services.GetRequiredService<OperatorService>();
        foreach (var s in demoStaff)
        {
            await operators.CreateAsync(new Operator(Guid.NewGuid(), s.Username, s.DisplayName, accounts.HashPassword(s.Password), s.Role, s.Venues, now), staffSeeded, ct);
        }
        var staff = demoStaff.Select(s => (s.Username, s.Password, s.Role.ToString())).ToList();

        var people = new[]
        {
            // John has no birth year on record: a venue asking for his age band is told none.
            ("DEMO-1", "+8613800000001", "张小三", Credentials.HealthRecord | Credentials.EIdVerified | Credentials.SocialSecurityCard, StatusColour.Green, (int?)1988),
            ("DEMO-2", "+8613800000002", "李四", Credentials.HealthRecord | Credentials.EIdVerified, StatusColour.Yellow, (int?)1975),
            ("DEMO-3", "+8613800000003", "王五", Credentials.EIdVerified, StatusColour.Red, (int?)1950),
            ("DEMO-4", "+8613800000004", "John Smith", Credentials.HealthRecord, StatusColour.Green, (int?)null),
        };
        // The yellow and red demo citizens stand under an open health case, as the status rule asks of staff.
        var demoCase = await services.GetRequiredService<ICaseStore>().CreateAsync(new CaseDraft(CaseType.ConfirmedInfection,
            "Demo: 《传染病防治法》 (Law on the Prevention and Control of Infectious Diseases), art. 39", "authority",
            "Seeded with the demo data: the demo's yellow and red citizens.", now, "demo-seed"), CaseService.OpenedBy("demo-seed", now), ct);
        var created = await citizens.UpsertManyAsync(people.Select(p => new CitizenDraft(p.Item1, p.Item2, p.Item3, p.Item4, p.Item6)).ToList(), now, ct);
        var seeded = new List<(string, string, string)>();
        for (var i = 0; i < people.Length; i++)
        {
            var citizen = created[i].Citizen;
            if (people[i].Item5 != StatusColour.Green)
            {
                citizen = (await citizens.ChangeStatusAsync(new StatusChange(citizen.Id, people[i].Item5,
                    people[i].Item5 == StatusColour.Red ? "Positive test result (demo)" : "Close contact (demo)", demoCase.Id, "demo-seed", StatusChange.SystemRole, now, citizen.Status.Version), ct))!.Citizen;
            }
            await hot.PutCitizenAsync(citizen.ToHot(), ct);
            seeded.Add((people[i].Item3, people[i].Item2, citizen.Status.Colour.ToWireName()));
        }
        // 张小三 lets clinics know his masked name and age band (not his e-ID check): his scan at the clinic shows them.
        await services.GetRequiredService<IIdentityStore>().ChangeConsentAsync(
            new ConsentChange(created[0].Citizen.Id, clinic.Kind, IdentityClaims.MaskedName | IdentityClaims.AgeBand, now), ct);
        await citizens.AddBookingAsync(new Booking(theatre.Id, created[0].Citizen.Id, now), ct);
        await hot.SetBookingAsync(theatre.Id, created[0].Citizen.Id, true, ct);
        // 张小三 and 李四 live at the estate: its gates admit them, and they approve their units' visitors.
        var residents = new List<ResidentChange> { new("3-2-501", created[0].Citizen.Id, Remove: false), new("5-1-302", created[1].Citizen.Id, Remove: false) };
        var listed = await services.GetRequiredService<IEstateStore>().PushResidentsAsync(estate.Id, residents, now,
            r => new AuditDraft(now, "demo-seed", EstateService.ResidentsAuditAction, $"venue:{estate.Id}", null, $"residents={r.Results.Count}", "Seeded with the demo data.", null), ct);
        await services.GetRequiredService<TicketingService>().CopyToHotStateAsync(estate.Id, listed!.Affected, now, ct);
        return new DemoSummary(staff, seeded, gates);
    }
}
