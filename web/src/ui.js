// TDesign components used by the app, imported by name so the bundle keeps only these.
import {
  Alert, Avatar, Badge, Button, Card, Checkbox, Col, Dialog, Divider, Drawer, Dropdown, Form, FormItem,
  Input, InputNumber, Link, List, ListItem, Loading, Menu, MenuItem, Option, Pagination, Progress, Radio,
  RadioButton, RadioGroup, Row, Select, Space, Switch, Table, TabPanel, Tabs, Tag, TagInput, Textarea,
  Tooltip, Tree, Upload, AutoComplete, Empty, Statistic, Popconfirm,
} from 'tdesign-vue-next'

const components = [
  Alert, Avatar, Badge, Button, Card, Checkbox, Col, Dialog, Divider, Drawer, Dropdown, Form, FormItem,
  Input, InputNumber, Link, List, ListItem, Loading, Menu, MenuItem, Option, Pagination, Progress, Radio,
  RadioButton, RadioGroup, Row, Select, Space, Switch, Table, TabPanel, Tabs, Tag, TagInput, Textarea,
  Tooltip, Tree, Upload, AutoComplete, Empty, Statistic, Popconfirm,
]

export default {
  install(app) {
    for (const c of components) app.use(c)
  },
}
