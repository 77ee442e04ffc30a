// trivy-db-writer writes a Trivy vulnerability database (trivy.db and metadata.json, schema 2)
// from a JSON list of advisories, with Trivy's own database library, so that the tests scan
// with a database whose every entry they know:
//
//	trivy-db-writer --advisories FILE --out DIR [--updated-at RFC3339]
//
// writes DIR/db/trivy.db and DIR/db/metadata.json, the layout `trivy --cache-dir DIR
// --skip-db-update` reads. The advisory format is documented in scripts/trivy-db.mjs.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	"github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/bucket"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/vulnerability"
)

// Advisory is one entry of the input: one vulnerability of one source package in one release.
type Advisory struct {
	OS       string `json:"os"`
	Release  string `json:"release"`
	Package  string `json:"package"`
	ID       string `json:"id"`
	Fixed    string `json:"fixed"`
	Severity string `json:"severity"`
	Title    string `json:"title"`
	// Optional: the distribution's status of an unfixed entry (affected, will_not_fix, …).
	Status string `json:"status,omitempty"`
	// Optional: whose severity it is, "nvd" (default) or the distribution's own ("debian", …).
	SeveritySource string `json:"severitySource,omitempty"`
}

// The distributions this writer knows: their data source (what Trivy reports as DataSource)
// and the bucket of a release.
var distributions = map[string]struct {
	source types.DataSource
	bucket func(release string) bucket.Bucket
}{
	"alpine": {types.DataSource{ID: vulnerability.Alpine, Name: "Alpine Secdb", URL: "https://secdb.alpinelinux.org/"}, bucket.NewAlpine},
	"debian": {types.DataSource{ID: vulnerability.Debian, Name: "Debian Security Tracker", URL: "https://salsa.debian.org/security-tracker-team/security-tracker"}, bucket.NewDebian},
	"ubuntu": {types.DataSource{ID: vulnerability.Ubuntu, Name: "Ubuntu CVE Tracker", URL: "https://git.launchpad.net/ubuntu-cve-tracker"}, bucket.NewUbuntu},
	"wolfi":  {types.DataSource{ID: vulnerability.Wolfi, Name: "Wolfi Secdb", URL: "https://packages.wolfi.dev/os/security.json"}, bucket.NewWolfi},
}

func main() {
	advisoriesFile := flag.String("advisories", "", "the JSON list of advisories")
	out := flag.String("out", "", "the cache folder: the database goes to OUT/db/")
	updatedAt := flag.String("updated-at", "", "the database's UpdatedAt (RFC 3339; default now)")
	flag.Parse()
	if *advisoriesFile == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: trivy-db-writer --advisories FILE --out DIR [--updated-at RFC3339]")
		os.Exit(2)
	}
	when := time.Now().UTC()
	if *updatedAt != "" {
		parsed, err := time.Parse(time.RFC3339, *updatedAt)
		if err != nil {
			fail(fmt.Errorf("--updated-at expects an RFC 3339 time, not %q", *updatedAt))
		}
		when = parsed.UTC()
	}
	advisories, err := read(*advisoriesFile)
	if err != nil {
		fail(err)
	}
	if err := write(advisories, filepath.Join(*out, "db"), when); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "trivy-db-writer: %v\n", err)
	os.Exit(1)
}

// read parses and checks the advisories; every problem names the entry it is in.
func read(file string) ([]Advisory, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var advisories []Advisory
	decoder := json.NewDecoder(strings.NewReader(string(data)))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&advisories); err != nil {
		return nil, fmt.Errorf("%s is not a JSON list of advisories: %w", file, err)
	}
	for i, a := range advisories {
		where := fmt.Sprintf("advisory %d (%s %s %s)", i, a.ID, a.OS, a.Package)
		if _, ok := distributions[a.OS]; !ok {
			return nil, fmt.Errorf("%s: os %q is not one of %s", where, a.OS, strings.Join(known(), ", "))
		}
		if a.Release == "" || a.Package == "" || a.ID == "" {
			return nil, fmt.Errorf("%s: release, package and id are required", where)
		}
		if _, err := types.NewSeverity(a.Severity); err != nil {
			return nil, fmt.Errorf("%s: severity %q is not one of %s", where, a.Severity, strings.Join(types.SeverityNames, ", "))
		}
		if a.Status != "" && types.NewStatus(a.Status) == types.StatusUnknown {
			return nil, fmt.Errorf("%s: status %q is not one of %s", where, a.Status, strings.Join(types.Statuses, ", "))
		}
		if a.Fixed != "" && a.Status != "" && a.Status != "fixed" {
			return nil, fmt.Errorf("%s: a fixed version and the status %q contradict each other", where, a.Status)
		}
	}
	return advisories, nil
}

func known() []string {
	names := make([]string, 0, len(distributions))
	for name := range distributions {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// write puts the advisories, the vulnerabilities' details and the data sources into a fresh
// database, the way trivy-db's own sources do, then writes the metadata beside it.
func write(advisories []Advisory, dir string, when time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{db.Path(dir), metadata.Path(dir)} {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := db.Init(dir); err != nil {
		return err
	}
	dbc := db.Config{}
	details := map[string]*types.Vulnerability{}
	var ids []string
	err := dbc.BatchUpdate(func(tx *bolt.Tx) error {
		for _, a := range advisories {
			distribution := distributions[a.OS]
			platform := distribution.bucket(a.Release).Name()
			if err := dbc.PutDataSource(tx, platform, distribution.source); err != nil {
				return err
			}
			severity, _ := types.NewSeverity(a.Severity)
			source := types.SourceID(a.SeveritySource)
			if source == "" {
				source = vulnerability.NVD
			}
			advisory := types.Advisory{FixedVersion: a.Fixed, Status: types.NewStatus(a.Status)}
			if source == distribution.source.ID {
				// A distribution's own severity is per package (Debian's urgency), kept on the advisory.
				advisory.Severity = severity
			}
			if err := dbc.PutAdvisory(tx, []string{platform, a.Package}, a.ID, &advisory); err != nil {
				return err
			}
			detail, seen := details[a.ID]
			if !seen {
				detail = &types.Vulnerability{Title: a.Title, VendorSeverity: types.VendorSeverity{}}
				details[a.ID] = detail
				ids = append(ids, a.ID)
			}
			if detail.Title == "" {
				detail.Title = a.Title
			}
			if severity != types.SeverityUnknown {
				detail.VendorSeverity[source] = severity
				if source == vulnerability.NVD || detail.Severity == "" {
					detail.Severity = severity.String()
				}
			}
		}
		for _, id := range ids {
			if err := dbc.PutVulnerability(tx, id, *details[id]); err != nil {
				return err
			}
			if err := dbc.PutVulnerabilityID(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if closeErr := db.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	return metadata.NewClient(dir).Update(metadata.Metadata{
		Version:      db.SchemaVersion,
		UpdatedAt:    when,
		NextUpdate:   when.Add(24 * time.Hour),
		DownloadedAt: when,
	})
}
