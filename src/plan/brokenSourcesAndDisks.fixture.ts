import { type BrokenPlan, HEAD, yaml } from "./planFixture.ts";

/** Mistakes in what a server is and what it copies: disks, tags, names, regions, waves and servers. */
export const BROKEN_SOURCES_AND_DISKS: BrokenPlan[] = [
  {
    mistake: "system disk below the contract's 20 GiB",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              systemDiskSize: 10
    `,
    expected: ["9:25: Expected `systemDiskSize` to be a whole number from 20 to 500, got `10`"],
  },
  {
    mistake: "system disk with a unit",
    text: yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults:
        systemDiskSize: 80GB
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ['4:19: Expected `systemDiskSize` to be a whole number from 20 to 500, got `"80GB"`'],
  },
  {
    mistake: "fractional system disk size",
    text:
      HEAD.replace("80", "80.5") +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ["4:19: Expected `systemDiskSize` to be a whole number from 20 to 500, got `80.5`"],
  },
  {
    mistake: "data disk below 20 GiB",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks: [{ index: 1, size: 10 }]
    `,
    expected: ["9:39: Expected `size` to be a whole number from 20 to 32768, got `10`"],
  },
  {
    mistake: "data disk index 17",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks:
                - index: 17
                  size: 100
    `,
    expected: ["10:20: Expected `index` to be a whole number from 1 to 16, got `17`"],
  },
  {
    mistake: "data disk index counted from 0",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks: [{ index: 0, size: 100 }, { index: 1, size: 100 }]
    `,
    expected: ["9:30: Expected `index` to be a whole number from 1 to 16, got `0`"],
  },
  {
    mistake: "the same data disk index twice",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks:
                - { index: 1, size: 100 }
                - { index: 1, size: 200 }
    `,
    expected: [
      "11:22: Data disk index 1 is already used by `dataDisks[0]`; each index may appear once",
    ],
  },
  {
    mistake: "more than 20 tags once inherited ones are merged",
    text: yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults:
        systemDiskSize: 80
        tags: { t1: a, t2: a, t3: a, t4: a, t5: a, t6: a, t7: a, t8: a, t9: a, t10: a, t11: a, t12: a }
      waves:
        - name: w1
          servers:
            - name: web-01
              tags: { s1: a, s2: a, s3: a, s4: a, s5: a, s6: a, s7: a, s8: a, s9: a }
    `,
    expected: ["10:15: With inherited tags, `tags` gives a job 21 tags; SMC allows at most 20"],
  },
  {
    mistake: "tag key in the provider's reserved prefix",
    text:
      HEAD +
      yaml`
        tags: { aliyun-owner: ops, acs:env: prod }
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      "5:11: Invalid key `aliyun-owner` in `tags`: expected 1–128 characters not starting with `aliyun`, `acs:`, `http://` or `https://`",
      "5:30: Invalid key `acs:env` in `tags`: expected 1–128 characters not starting with `aliyun`, `acs:`, `http://` or `https://`",
    ],
  },
  {
    mistake: "unquoted number as a tag value",
    text:
      HEAD +
      yaml`
        tags: { cost-centre: 4711 }
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '5:24: Expected `cost-centre` to be a string of at most 128 characters not starting with `aliyun`, `acs:`, `http://` or `https://` (quote numbers: `"1"`), got `4711`',
    ],
  },
  {
    mistake: "plan name with spaces",
    text:
      HEAD.replace("name: dc1", "name: DC1 to Hangzhou") +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '1:7: Expected `name` to be 2–64 characters: a letter first, then letters, digits, `_` or `-`, got `"DC1 to Hangzhou"`',
    ],
  },
  {
    mistake: "plan name with a dot",
    text:
      HEAD.replace("name: dc1", "name: dc1.prod") +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '1:7: Expected `name` to be 2–64 characters: a letter first, then letters, digits, `_` or `-`, got `"dc1.prod"`',
    ],
  },
  {
    mistake: "region written as a city",
    text:
      HEAD.replace("cn-hangzhou", "Hangzhou") +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '2:11: Expected `regionId` to be a region id such as `cn-hangzhou`, got `"Hangzhou"`',
    ],
  },
  {
    mistake: "no regionId",
    text: yaml`
      name: dc1
      defaults:
        systemDiskSize: 80
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ["1:1: Missing required key `regionId` (a region id such as `cn-hangzhou`)"],
  },
  {
    mistake: "no waves at all",
    text: HEAD,
    expected: ["1:1: Missing required key `waves` (a non-empty list of waves)"],
  },
  {
    mistake: "an empty list of waves",
    text: `${HEAD}waves: []\n`,
    expected: ["5:8: Expected `waves` to be a non-empty list of waves, got an empty list"],
  },
  {
    mistake: "a wave without servers",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          window: { cron: "0 22 * * *", duration: 6h }
    `,
    expected: ["6:5: Missing required key `servers` (a non-empty list of servers)"],
  },
  {
    mistake: "servers written as a mapping",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            web-01: { systemDiskSize: 100 }
    `,
    expected: ["8:7: Expected `servers` to be a non-empty list of servers, got a mapping"],
  },
  {
    mistake: "servers listed as bare names",
    text: `${HEAD}waves:\n  - name: w1\n    servers:\n      - web-01\n      - web-02\n`,
    expected: [
      '8:9: Expected `servers[0]` to be a mapping such as `name: web-01` or `sourceId: s-…`, with any job settings, got `"web-01"`',
      '9:9: Expected `servers[1]` to be a mapping such as `name: web-01` or `sourceId: s-…`, with any job settings, got `"web-02"`',
    ],
  },
  {
    mistake: "a server with both sourceId and name",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - sourceId: s-bp1e2fsl57knvuug0000
              name: web-01
    `,
    expected: [
      "8:9: A server needs exactly one of `sourceId` and `name`, got both (`s-bp1e2fsl57knvuug0000` and `web-01`)",
    ],
  },
  {
    mistake: "a server with neither sourceId nor name",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - systemDiskSize: 100
    `,
    expected: ["8:9: A server needs exactly one of `sourceId` and `name`, got neither"],
  },
  {
    mistake: "an instance id where the source id goes",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - sourceId: i-bp1f1dvfto1sigz50000
    `,
    expected: [
      '8:19: Expected `sourceId` to be a source id such as `s-bp1e2fsl57knvuug0000`, got `"i-bp1f1dvfto1sigz50000"`',
    ],
  },
  {
    mistake: "a URL as a source name",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: https://web-01.dc1.example.com
    `,
    expected: [
      '8:15: Expected `name` to be 2–128 characters: a letter first, then letters, digits, `:`, `_` or `-` (no spaces, dots or `/`), got `"https://web-01.dc1.example.com"`',
    ],
  },
];
