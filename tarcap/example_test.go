package tarcap_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"log"
	"strings"

	"fcap/capfile"
	"fcap/model"
	"fcap/tarcap"
)

// A builder gives its layer's programs their capabilities without root:
// the manifest is the text `fcap get -r` prints, with paths relative to
// the archive's root.
func Example() {
	layer := sampleLayer()

	plan, err := tarcap.ReadPlan(strings.NewReader("/usr/bin/server cap_net_bind_service=ep\n"), "caps.txt",
		model.LastNamed, tarcap.PlanOptions{})
	if err != nil {
		log.Fatal(err)
	}
	var out bytes.Buffer
	err = tarcap.Edit(&out, bytes.NewReader(layer), plan, func(c tarcap.Change) {
		fmt.Printf("%s: %x\n", c.Name, c.Now)
	})
	if err != nil {
		log.Fatal(err)
	}

	// Read it back as `fcap tar get` does.
	tree, err := tarcap.Scan(&out)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range tree.Files {
		fc, _ := capfile.Decode(f.Value)
		fmt.Println(f.Path, fc.Format(model.LastNamed))
	}
	// Output:
	// usr/bin/server: 0100000200040000000000000000000000000000
	// ./usr/bin/server cap_net_bind_service=ep
}

// sampleLayer is a layer as a build step writes it.
func sampleLayer() []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range []*tar.Header{
		{Name: "usr/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "usr/bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "usr/bin/server", Typeflag: tar.TypeReg, Mode: 0o755, Size: 4},
	} {
		if err := tw.WriteHeader(h); err != nil {
			log.Fatal(err)
		}
	}
	tw.Write([]byte("\x7fELF"))
	tw.Close()
	return b.Bytes()
}
